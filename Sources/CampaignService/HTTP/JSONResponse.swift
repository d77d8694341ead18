import CampaignFlows
import Foundation
import HTTPTypes
import Hummingbird

/// JSON answers: sorted keys, so that the same state always reads the same.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// `value` as JSON with `status`.
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// An empty answer (204).
    static func noContent() -> Response { Response(status: .noContent) }
}

/// Instants as the API writes and reads them: RFC 3339 in UTC.
enum InstantText {
    static func format(_ instant: Double) -> String {
        Value.instant(instant.rounded(.down)).description
    }

    /// The instants RFC 3339 writes in UTC: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
    static let writable: ClosedRange<Double> = -62_135_596_800...253_402_300_799

    /// An RFC 3339 date-time with an offset (`Z` or `±HH:MM`), read by the runtime's one date parser; nil for
    /// anything else, a naive time included, since the service cannot know which zone a client meant, and an
    /// instant outside ``writable`` (`9999-12-31T23:59:59-12:00`), which the service could not write back.
    static func parse(_ text: String) -> Double? {
        guard let dateTime = CalendarDateTime.parse(text), dateTime.hasTime, let offset = dateTime.offset else { return nil }
        let instant = Double(dateTime.wallTime - offset)
        return writable.contains(instant) ? instant : nil
    }
}
