import CampaignFlows
import Foundation
import Hummingbird
import NIOCore

/// Reads request bodies: at most ``limit`` bytes, as JSON.
enum RequestReading {
    /// The largest body the service reads: 1 MiB. A larger one is refused with 413 as soon as its
    /// `Content-Length` says so, or as soon as more than this has arrived.
    static let limit = 1 << 20

    /// The body's bytes, refusing one over ``limit`` without reading more of it than the limit (and the chunk
    /// that crossed it).
    static func bytes(of request: Request) async throws -> ByteBuffer {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw tooLarge()
        }
        var collected = ByteBuffer()
        for try await chunk in request.body {
            guard collected.readableBytes + chunk.readableBytes <= limit else { throw tooLarge() }
            collected.writeImmutableBuffer(chunk)
        }
        return collected
    }

    /// Bytes read from a body as a JSON document: 400 when empty or not JSON.
    static func json(from buffer: ByteBuffer) throws -> JSONValue {
        guard buffer.readableBytes > 0 else {
            throw Problem("malformed-json", status: .badRequest, title: "Malformed JSON", detail: "the request needs a JSON body")
        }
        do {
            return try JSONValue(parsing: buffer.readableBytesView)
        } catch {
            throw Problem("malformed-json", status: .badRequest, title: "Malformed JSON",
                          detail: "the body is not valid JSON: \(error)")
        }
    }

    /// The body as a JSON object: 400 for any other document.
    static func object(of request: Request) async throws -> [String: JSONValue] {
        try object(from: try await bytes(of: request))
    }

    /// Bytes read from a body as a JSON object: 400 for any other document.
    static func object(from buffer: ByteBuffer) throws -> [String: JSONValue] {
        let document = try json(from: buffer)
        guard case .object(let members) = document else {
            throw Problem.invalidInput([.init(pointer: "", detail: "must be an object, found \(document.kindDescription)")])
        }
        return members
    }

    /// A decoding error in words, for a problem's detail.
    static func reason(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = context.underlyingError.map { " (\($0.localizedDescription))" } ?? ""
            return context.debugDescription + underlying
        }
        return "\(error)"
    }

    private static func tooLarge() -> Problem {
        Problem("body-too-large", status: .contentTooLarge, detail: "the body is larger than \(limit) bytes")
    }
}

/// The invalid parts found in a request, gathered so that one answer names all of them.
struct InputProblems {
    private(set) var parts: [Problem.InvalidPart] = []

    var isEmpty: Bool { parts.isEmpty }

    mutating func add(_ pointer: String, _ detail: String) {
        parts.append(Problem.InvalidPart(pointer: pointer, detail: detail))
    }

    /// Throws a 400 listing them, when there are any.
    func check() throws {
        if !parts.isEmpty { throw Problem.invalidInput(parts) }
    }

    /// A required string member of `object`, or nil after recording why it is missing or not a string.
    mutating func requiredString(_ name: String, in object: [String: JSONValue], at base: String = "") -> String? {
        switch object[name] {
        case .string(let value)? where !value.isEmpty: return value
        case .string?: add(JSONPointer.appending(name, to: base), "must not be empty")
        case nil: add(JSONPointer.appending(name, to: base), "is required")
        case let other?: add(JSONPointer.appending(name, to: base), "must be a string, found \(other.kindDescription)")
        }
        return nil
    }

    /// An optional string member: nil when absent (or null), recorded when it is something else.
    mutating func optionalString(_ name: String, in object: [String: JSONValue], at base: String = "") -> String? {
        switch object[name] {
        case .string(let value)?: return value
        case nil, .null?: return nil
        case let other?:
            add(JSONPointer.appending(name, to: base), "must be a string, found \(other.kindDescription)")
            return nil
        }
    }

    /// Records members of `object` outside `known`.
    mutating func rejectUnknown(in object: [String: JSONValue], known: Set<String>, at base: String = "") {
        for name in object.keys where !known.contains(name) {
            add(JSONPointer.appending(name, to: base), "is not a member of this request (expected \(known.sorted().joined(separator: ", ")))")
        }
    }
}
