import CampaignFlows
import CampaignRuntime
import HTTPTypes
import Hummingbird

/// A route as the service declares it: method, path template (`/v1/contacts/{id}`, as OpenAPI writes it)
/// and the scope it needs (nil: none).
public struct RouteDescription: Hashable, Sendable, CustomStringConvertible {
    public var method: String
    public var path: String
    public var scope: Scope?

    public var description: String { "\(method) \(path)" }

    /// Whether a request path matches the template, a `{name}` segment matching any one non-empty segment.
    func matches(path requested: String) -> Bool {
        let pattern = path.split(separator: "/", omittingEmptySubsequences: false)
        let segments = requested.split(separator: "/", omittingEmptySubsequences: false)
        guard pattern.count == segments.count else { return false }
        return zip(pattern, segments).allSatisfy { template, segment in
            template.hasPrefix("{") ? !segment.isEmpty : template == segment
        }
    }
}

/// The service's routes, declared in one place: each is registered on the router with its scope's check,
/// and the list itself serves the 405 answers and the test that holds the OpenAPI description to it.
struct RouteTable {
    typealias Handler = @Sendable (Request, BasicRequestContext) async throws -> Response

    private(set) var routes: [(description: RouteDescription, method: HTTPRequest.Method, handler: Handler)] = []

    /// Declares a route.
    mutating func add(_ method: HTTPRequest.Method, _ path: String, scope: Scope?, _ handler: @escaping Handler) {
        routes.append((RouteDescription(method: method.rawValue, path: path, scope: scope), method, handler))
    }

    var descriptions: [RouteDescription] { routes.map(\.description) }

    /// A router answering every route, with problem+json for errors, unknown paths (404) and methods
    /// (405), and the token check of each route's scope.
    func router(authenticator: Authenticator) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ProblemMiddleware(routes: descriptions))
        for (description, method, handler) in routes {
            let scope = description.scope
            router.on(RouterPath(description.path), method: method) { request, context in
                var context = context
                if let scope, let token = try authenticator.authorize(request, for: scope) {
                    context.logger[metadataKey: "token"] = .string(token)
                }
                return try await handler(request, context)
            }
        }
        return router
    }
}

/// Turns whatever a route throws into problem+json: ``Problem``s as they are, the router's 404 into a 405
/// when another method has the path, an input id reused with different content into 409, and anything else
/// into a 500 whose cause goes to the log, not to the client.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    let routes: [RouteDescription]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            let allowed = routes.filter { $0.matches(path: path) }.map(\.method)
            guard !allowed.isEmpty else {
                throw Problem("not-found", status: .notFound, detail: "no route \(request.method.rawValue) \(path)")
            }
            throw Problem("method-not-allowed", status: .methodNotAllowed,
                          detail: "\(path) does not answer \(request.method.rawValue); it answers \(allowed.joined(separator: ", "))",
                          headers: [.allow: allowed.joined(separator: ", ")])
        } catch let error as any HTTPResponseError {
            throw Problem("http-\(error.status.code)", status: error.status, detail: error.status.reasonPhrase)
        } catch let error as EngineError {
            switch error {
            case .inputConflict(let id):
                throw Problem.conflict("'\(id)' was already submitted with a different content")
            case .definitionChanged, .deploymentRefused:
                throw Problem.conflict(error.description)
            }
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            throw Problem("internal", status: .internalServerError, detail: "the request failed inside the service; its log says why")
        }
    }
}
