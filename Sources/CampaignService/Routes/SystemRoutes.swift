import CampaignFlows
import Foundation
import Hummingbird

/// `/health`, `/ready`, `/metrics` and `/openapi.json`: no token needed.
enum SystemRoutes {
    static func add(to table: inout RouteTable, _ core: ServiceCore) {
        table.add(.get, "/health", scope: nil) { _, _ in
            try JSONResponse.make(["status": "ok"])
        }
        table.add(.get, "/ready", scope: nil) { _, _ in
            guard !core.definitions.isEmpty else {
                throw Problem("not-ready", status: .serviceUnavailable, detail: "no campaign versions are loaded")
            }
            do {
                _ = try await core.store.nextTimerDue()
            } catch {
                core.logger.warning("the database is not reachable", metadata: ["error": "\(error)"])
                throw Problem("not-ready", status: .serviceUnavailable, detail: "the database is not reachable")
            }
            return try JSONResponse.make(["status": "ready"])
        }
        table.add(.get, "/metrics", scope: nil) { _, _ in
            let text = try await core.metrics.scrape(store: core.store, flows: core.definitions.keys.sorted(), now: core.now)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        table.add(.get, "/openapi.json", scope: nil) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: try OpenAPIDocument.bytes())))
        }
    }
}

/// The OpenAPI 3.1 description of the service, `openapi/campaignd.json` in the repository, shipped as the
/// library's resource.
public enum OpenAPIDocument {
    /// The document's bytes; throws when the resource is missing from the build.
    public static func bytes() throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "campaignd.openapi", withExtension: "json") else {
            throw Problem("internal", status: .internalServerError, detail: "the OpenAPI description is missing from this build")
        }
        return [UInt8](try Data(contentsOf: url))
    }
}
