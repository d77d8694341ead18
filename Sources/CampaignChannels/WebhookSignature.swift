import Crypto
import Foundation

/// The `Campaignc-Signature` header of a webhook POST: `t=UNIX,v1=HEX`, where HEX is the HMAC-SHA256 of
/// `UNIX.BODY` under the channel's secret. The timestamp is signed with the body, so a receiver that checks
/// it against its own clock refuses an old request replayed.
public enum WebhookSignature {
    /// The header's name.
    public static let headerName = "Campaignc-Signature"

    /// How far a receiver lets a signature's timestamp stray from its own clock by default, in seconds.
    public static let defaultTolerance: Double = 300

    /// The header for `body` sent at `timestamp` (whole seconds since 1970), signed with `secret` (its UTF-8
    /// bytes are the HMAC key).
    public static func header(body: some DataProtocol, secret: String, timestamp: Int) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: signedBytes(body: body, timestamp: timestamp), using: key(secret))
        return "t=\(timestamp),v1=\(code.map { hexDigits[Int($0 >> 4)] + hexDigits[Int($0 & 0x0F)] }.joined())"
    }

    /// Checks a `Campaignc-Signature` header for `body`, as a receiver does: it throws unless the header is
    /// well formed, its timestamp is within `tolerance` seconds of `now`, and one of its `v1` codes is the
    /// HMAC of `UNIX.BODY` under `secret`. Codes are compared in constant time, so the time a refusal takes
    /// tells nothing about how much of a forged code was right.
    public static func verify(_ header: String, body: some DataProtocol, secret: String, now: Date = Date(),
                              tolerance: Double = defaultTolerance) throws(WebhookSignatureError) {
        var timestamp: Int?
        var codes: [[UInt8]] = []
        for element in header.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = element.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw .malformed(header) }
            switch parts[0] {
            case "t":
                guard timestamp == nil, let value = Int(parts[1]) else { throw .malformed(header) }
                timestamp = value
            case "v1":
                guard let code = bytes(hex: parts[1]) else { throw .malformed(header) }
                codes.append(code)
            default:
                // Other schemes (a later `v2`) are left to receivers that know them.
                continue
            }
        }
        guard let timestamp, !codes.isEmpty else { throw .malformed(header) }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else {
            throw .outsideTolerance(timestamp: timestamp)
        }
        let signed = signedBytes(body: body, timestamp: timestamp)
        let key = key(secret)
        guard codes.contains(where: { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: key) }) else {
            throw .mismatch
        }
    }

    private static func key(_ secret: String) -> SymmetricKey { SymmetricKey(data: Array(secret.utf8)) }

    private static func signedBytes(body: some DataProtocol, timestamp: Int) -> [UInt8] {
        Array("\(timestamp).".utf8) + Array(body)
    }

    private static let hexDigits = "0123456789abcdef".map(String.init)

    /// The bytes of an even-length hexadecimal string, or nil.
    private static func bytes(hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard !digits.isEmpty, digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Why ``WebhookSignature/verify(_:body:secret:now:tolerance:)`` refused a signature.
public enum WebhookSignatureError: Error, Equatable, CustomStringConvertible {
    /// The header is not `t=UNIX,v1=HEX[,v1=HEX...]`.
    case malformed(String)
    /// The timestamp is too far from the receiver's clock: an old request replayed, or a clock far off.
    case outsideTolerance(timestamp: Int)
    /// No code in the header is the body's under the secret.
    case mismatch

    /// The reason in words (the header is quoted; it holds no secret, only a code derived from it).
    public var description: String {
        switch self {
        case .malformed(let header): "malformed \(WebhookSignature.headerName) header '\(header)'"
        case .outsideTolerance(let timestamp): "signature timestamp \(timestamp) is outside the tolerance"
        case .mismatch: "signature does not match the body"
        }
    }
}
