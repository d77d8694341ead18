import CampaignFlows
import Foundation

/// Reads a provider's ISO 8601 time (`2019-11-05T16:33:54.9070259Z`, `2014-08-01T13:28:10.2735393-04:00`) with
/// the runtime's one date-time parser, ``CalendarDateTime``, after setting aside the fraction of a second it
/// does not take. A time without an offset is UTC, as the providers' own times are. Nil for anything else.
func providerInstant(_ text: String) -> Double? {
    var whole = text
    var fraction = ""
    let bytes = Array(text.utf8)
    // The fraction, when written, follows `YYYY-MM-DDTHH:MM:SS` at offset 19.
    if bytes.count > 20, bytes[19] == UInt8(ascii: ".") {
        var end = 20
        while end < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[end]) { end += 1 }
        guard end > 20 else { return nil }
        fraction = String(decoding: bytes[20..<end], as: UTF8.self)
        whole = String(decoding: bytes[0..<19] + bytes[end...], as: UTF8.self)
    }
    guard let dateTime = CalendarDateTime.parse(whole), dateTime.hasTime else { return nil }
    let seconds = Int(dateTime.instant(in: .gmt))
    guard !fraction.isEmpty else { return Double(seconds) }
    // Read as one decimal, so the instant is the double nearest the written time, as a JSON number would be.
    return seconds >= 0 ? Double("\(seconds).\(fraction)") : Double(seconds) + (Double("0.\(fraction)") ?? 0)
}

/// The time in a JSON field: seconds since 1970 as a number, or an ISO 8601 text; nil when the field is
/// absent, a `malformed` error naming `field` when it is there but neither.
func occurredAt(_ value: JSONValue?, _ field: String) throws(ProviderWebhookError) -> Double? {
    switch value {
    case nil, .null?:
        return nil
    case .integer(let seconds)?:
        return Double(seconds)
    case .number(let seconds)?:
        return seconds
    case .string(let text)?:
        guard let instant = providerInstant(text) else { throw .malformed("\(field) is not a date-time") }
        return instant
    default:
        throw .malformed("\(field) is not a time")
    }
}
