/// "Did you mean" suggestions for misspelt names and keys.
///
/// The cost of one suggestion is bounded whatever the number of candidates. An ``Index`` finds every
/// candidate one edit away through a deletion index; beyond that, only candidates whose length is within the
/// edit limit are looked at, a candidate is skipped when more distinct characters differ than
/// the limit allows (a bound that never skips a real match), and at most ``maximumExamined`` candidates are
/// examined and ``maximumCompared`` edit distances computed. Candidates are examined in sorted order, so
/// the suggestion is deterministic; below the caps (any ordinary workspace) it is the nearest candidate.
enum Suggestions {
    /// Candidates looked at (length-matched) per suggestion.
    static let maximumExamined = 1_024
    /// Edit distances computed per suggestion.
    static let maximumCompared = 32

    /// Candidates grouped by length and sorted, built once for a large set that is asked many times (a
    /// workspace's contact fields).
    struct Index: Sendable {
        fileprivate struct Candidate: Sendable {
            var name: String
            var scalars: [Unicode.Scalar]
            var signature: UInt64
        }
        fileprivate var byLength: [Int: [Candidate]] = [:]
        /// Every candidate (as its length and place in `byLength`) under the hash of itself and of each string
        /// made by deleting one of its characters: two strings one edit apart share such a string, so all the
        /// candidates one edit from a name are found without a scan.
        fileprivate var byDeletion: [Int: [Int64]] = [:]
        /// How many distinct names the index holds.
        let count: Int

        init<S: Sequence<String>>(_ candidates: S) {
            var byLength: [Int: [Candidate]] = [:]
            var seen = Set<String>()
            for name in candidates where seen.insert(name).inserted {
                let scalars = Array(name.unicodeScalars)
                byLength[scalars.count, default: []].append(Candidate(name: name, scalars: scalars,
                                                                      signature: Suggestions.signature(scalars)))
            }
            var byDeletion: [Int: [Int64]] = [:]
            for key in byLength.keys {
                byLength[key]!.sort { $0.name < $1.name }
                for (position, candidate) in byLength[key]!.enumerated() {
                    let reference = Int64(key) << 32 | Int64(position)
                    for hash in Set(Suggestions.deletionHashes(candidate.scalars)) {
                        byDeletion[hash, default: []].append(reference)
                    }
                }
            }
            self.byLength = byLength
            self.byDeletion = byDeletion
            count = seen.count
        }

        /// The candidate closest to `name`, as ``Suggestions/nearest(to:in:)`` finds it.
        func nearest(to name: String) -> String? {
            let scalars = Array(name.unicodeScalars)
            let limit = Suggestions.limit(for: scalars.count)
            let signature = Suggestions.signature(scalars)
            var best: (distance: Int, name: String)?
            func consider(_ candidate: Candidate) {
                let distance = Suggestions.editDistance(scalars, candidate.scalars, limit: limit)
                guard distance <= limit else { return }
                if best == nil || distance < best!.distance || (distance == best!.distance && candidate.name < best!.name) {
                    best = (distance, candidate.name)
                }
            }
            // Every candidate one edit away, whatever the size of the index; nothing can beat them.
            var seen = Set<Int64>()
            for hash in Suggestions.deletionHashes(scalars) {
                for reference in byDeletion[hash] ?? [] where seen.insert(reference).inserted {
                    consider(byLength[Int(reference >> 32)]![Int(reference & 0xFFFF_FFFF)])
                }
            }
            if let found = best, found.distance <= 1 { return found.name }
            var examined = 0
            var compared = 0
            // Equal lengths first, then one shorter, one longer, and so on.
            let lengths = [scalars.count] + (1...limit).flatMap { [scalars.count - $0, scalars.count + $0] }.filter { $0 >= 0 }
            for length in lengths {
                for candidate in byLength[length] ?? [] {
                    examined += 1
                    if examined > Suggestions.maximumExamined || compared >= Suggestions.maximumCompared {
                        return best?.name
                    }
                    guard Suggestions.mayBeWithin(limit, signature, candidate.signature) else { continue }
                    compared += 1
                    consider(candidate)
                }
            }
            return best?.name
        }

        /// "; did you mean 'x'?" or nothing.
        func didYouMean(_ name: String) -> String {
            nearest(to: name).map { "; did you mean '\($0)'?" } ?? ""
        }
    }

    /// The candidate closest to `name` by edit distance, if close enough to be a plausible typo.
    ///
    /// One pass over `candidates` with the length and character filters before any allocation; for a large
    /// set asked about many times, build an ``Index`` once instead.
    static func nearest<S: Sequence<String>>(to name: String, in candidates: S) -> String? {
        let scalars = Array(name.unicodeScalars)
        let limit = limit(for: scalars.count)
        let signature = signature(scalars)
        var best: (distance: Int, name: String)?
        for candidate in candidates {
            guard abs(candidate.unicodeScalars.count - scalars.count) <= limit,
                  mayBeWithin(limit, signature, Self.signature(candidate.unicodeScalars)) else { continue }
            let distance = editDistance(scalars, Array(candidate.unicodeScalars), limit: limit)
            guard distance <= limit else { continue }
            if best == nil || distance < best!.distance || (distance == best!.distance && candidate < best!.name) {
                best = (distance, candidate)
            }
        }
        return best?.name
    }

    /// "; did you mean 'x'?" or nothing.
    static func didYouMean<S: Sequence<String>>(_ name: String, in candidates: S) -> String {
        nearest(to: name, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// The largest edit distance still taken for a typo of a name `length` characters long.
    static func limit(for length: Int) -> Int { max(1, min(3, length / 3)) }

    /// Hashes of `scalars` and of each string made by deleting one of its characters.
    fileprivate static func deletionHashes(_ scalars: [Unicode.Scalar]) -> [Int] {
        var hashes: [Int] = []
        hashes.reserveCapacity(scalars.count + 1)
        for skipped in -1..<scalars.count {
            var hasher = Hasher()
            hasher.combine(scalars.count - (skipped < 0 ? 0 : 1))
            for (position, scalar) in scalars.enumerated() where position != skipped { hasher.combine(scalar) }
            hashes.append(hasher.finalize())
        }
        return hashes
    }

    /// One bit per character class (ASCII letters and digits each have their own bit).
    fileprivate static func signature<C: Sequence<Unicode.Scalar>>(_ scalars: C) -> UInt64 {
        var signature: UInt64 = 0
        for scalar in scalars { signature |= 1 << UInt64(scalar.value % 64) }
        return signature
    }

    /// False only when the two strings cannot be within `limit` edits: each edit removes at most one
    /// character class missing from the other string, in each direction.
    fileprivate static func mayBeWithin(_ limit: Int, _ a: UInt64, _ b: UInt64) -> Bool {
        (a & ~b).nonzeroBitCount <= limit && (b & ~a).nonzeroBitCount <= limit
    }

    /// Edit distance counting insertions, deletions, substitutions and swaps of adjacent characters
    /// (`strat` for `start` is one edit), giving up (returning `limit + 1`) once it must exceed `limit`.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        editDistance(Array(a.unicodeScalars), Array(b.unicodeScalars), limit: limit)
    }

    fileprivate static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return limit + 1 }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }
}
