import CampaignFlows

/// A random number generator that reads its numbers from bytes: a fuzzer's input becomes the choices a
/// generator makes, so that the fuzzer's mutations of bytes are mutations of structure.
///
/// Each number comes from one byte, spread over the 64 bits, so that one byte is one choice among up to 256
/// (the standard library's `random(in:using:)` takes the high bits of a product). When the bytes run out,
/// the numbers go on from a ``SeededRandom`` seeded with the input's length: an all-zero tail would make the
/// standard library's rejection sampling loop forever, and a fixed tail would make every short input
/// generate the same thing.
public struct ByteChoices: RandomNumberGenerator {
    private let bytes: [UInt8]
    private var position = 0
    private var tail: SeededRandom

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        tail = SeededRandom(seed: 0x9e37_79b9_7f4a_7c15 &+ UInt64(bytes.count))
    }

    /// How many bytes have been read as choices.
    public var consumed: Int { min(position, bytes.count) }

    public mutating func next() -> UInt64 {
        guard position < bytes.count else { return tail.next() }
        defer { position += 1 }
        return UInt64(bytes[position]) &* 0x0101_0101_0101_0101
    }
}
