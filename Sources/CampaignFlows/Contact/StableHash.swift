/// FNV-1a over UTF-8, 64 bits, then MurmurHash3's final mix (FNV alone leaves the low bits, which a
/// percentage reads, poorly spread for ids that differ in one character): a hash that is the same in every
/// process and on every machine, unlike Swift's per-process seeded `Hasher`. Splits and tests route contacts
/// with it, so simulations reproduce.
public enum StableHash {
    public static func of(_ parts: String...) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
            hash ^= 0xFF  // a separator, so ("ab", "c") and ("a", "bc") differ
            hash &*= 0x0000_0100_0000_01B3
        }
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        hash &*= 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        return hash
    }
}

extension StableHash {
    /// Whether `contact` is in the holdout of `campaign` (v1.2): the hash of campaign, `holdout` and contact,
    /// modulo 10,000, over 100, is below `share` (percent). Neither version nor step goes into the hash, so a
    /// contact is held out of every version of a campaign alike.
    public static func isHeldOut(contact: String, campaign: String, share: Double) -> Bool {
        Double(of(campaign, "holdout", contact) % 10_000) / 100 < share
    }
}
