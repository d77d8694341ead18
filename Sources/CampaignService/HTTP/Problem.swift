import Foundation
import HTTPTypes
import Hummingbird

/// An error answered as `application/problem+json` (RFC 9457): every error the service returns is one.
///
/// `type` is a URN naming the kind of problem (`urn:campaignd:problem:invalid-input`), stable for clients
/// to branch on; `detail` says what happened to this request; `errors` lists each invalid part of the input
/// by its JSON pointer.
public struct Problem: Error, HTTPResponseError, Sendable, Equatable {
    /// One invalid part of a request.
    public struct InvalidPart: Codable, Sendable, Equatable {
        /// The JSON pointer (RFC 6901) of the part in the request body; empty for the whole body.
        public var pointer: String
        public var detail: String

        /// A problem at `pointer`.
        public init(pointer: String, detail: String) {
            self.pointer = pointer
            self.detail = detail
        }
    }

    /// The last segment of the problem's type URN.
    public var kind: String
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    /// The invalid parts of the input, in pointer order.
    public var errors: [InvalidPart]
    /// Headers the answer carries besides the content type (`Allow` on a 405, `WWW-Authenticate` on a 401).
    public var headers: HTTPFields

    /// A problem of `kind` with HTTP `status`; `title` defaults to the status's reason phrase.
    public init(_ kind: String, status: HTTPResponse.Status, title: String? = nil, detail: String,
                errors: [InvalidPart] = [], headers: HTTPFields = [:]) {
        self.kind = kind
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.errors = errors.sorted { ($0.pointer, $0.detail) < ($1.pointer, $1.detail) }
        self.headers = headers
    }

    /// The problem's `type`.
    public var type: String { "urn:campaignd:problem:\(kind)" }

    /// 400 listing each invalid part of the input.
    public static func invalidInput(_ errors: [InvalidPart], detail: String? = nil) -> Problem {
        let count = errors.count
        return Problem("invalid-input", status: .badRequest, title: "Invalid input",
                       detail: detail ?? "the request has \(count) invalid \(count == 1 ? "part" : "parts")", errors: errors)
    }

    /// 404 for a resource that does not exist.
    public static func notFound(_ detail: String) -> Problem {
        Problem("not-found", status: .notFound, detail: detail)
    }

    /// 409 for a request that conflicts with the current state.
    public static func conflict(_ detail: String) -> Problem {
        Problem("conflict", status: .conflict, detail: detail)
    }

    private struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var errors: [InvalidPart]?
    }

    /// The answer: the problem as JSON with its content type.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The answer, outside a router.
    func response() -> Response {
        let body = Body(type: type, title: title, status: status.code, detail: detail, errors: errors.isEmpty ? nil : errors)
        var fields = headers
        fields[.contentType] = "application/problem+json"
        let data = (try? JSONResponse.encoder.encode(body)) ?? Data()
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
