import CampaignService
import Foundation
import HTTPTypes
import Testing

/// Every error is problem+json; tokens and scopes guard the /v1 routes.
@Suite struct ProblemAndAuthTests {
    @Test func tokensAndScopes() async throws {
        try await ServiceHarness.withService(tokens: true) { client in
            let none = try await client.request(.get, "/v1/campaigns", token: .some(nil))
            #expect(none.status == .unauthorized)
            #expect(none.isProblem)
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)

            let wrong = try await client.request(.get, "/v1/campaigns", token: "app-secret-0123456788")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.isProblem)

            let events = try await client.request(.get, "/v1/campaigns", token: ServiceHarness.appToken)
            #expect(events.status == .ok)

            // The app token has the events scope only: an admin route is 403; the ops token's admin implies events.
            let forbidden = try await client.request(.put, "/v1/campaigns/abandoned-cart/versions/2/status",
                                                     json: #"{"status":"draining"}"#, token: ServiceHarness.appToken)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.isProblem)
            #expect((forbidden.json["detail"] as? String)?.contains("admin") == true)
            let admin = try await client.request(.get, "/v1/campaigns", token: ServiceHarness.opsToken)
            #expect(admin.status == .ok)

            // No token needed outside /v1.
            for path in ["/health", "/ready", "/metrics", "/openapi.json"] {
                let answer = try await client.request(.get, path, token: .some(nil))
                #expect(answer.status == .ok, "\(path)")
            }
        }
    }

    @Test func malformedJSONUnknownRouteWrongMethod() async throws {
        try await ServiceHarness.withService { client in
            let malformed = try await client.put("/v1/contacts/c1", #"{"email": "c1@example.com""#)
            #expect(malformed.status == .badRequest)
            #expect(malformed.isProblem)
            #expect(malformed.json["type"] as? String == "urn:campaignd:problem:malformed-json")

            let notObject = try await client.put("/v1/contacts/c1", #"[1, 2]"#)
            #expect(notObject.status == .badRequest)
            #expect(notObject.pointers == [""])

            let unknown = try await client.get("/v1/nothing-here")
            #expect(unknown.status == .notFound)
            #expect(unknown.isProblem)

            let method = try await client.request(.delete, "/v1/campaigns")
            #expect(method.status == .methodNotAllowed)
            #expect(method.isProblem)
            #expect(method.headers[.allow] == "GET")

            let templated = try await client.request(.post, "/v1/contacts/c1", json: "{}")
            #expect(templated.status == .methodNotAllowed)
            #expect(templated.headers[.allow] == "PUT, PATCH, GET, DELETE")
        }
    }

    @Test func bodiesOverOneMebibyteAre413() async throws {
        try await ServiceHarness.withService { client in
            let padding = String(repeating: "x", count: (1 << 20) + 10)
            let tooLarge = try await client.put("/v1/contacts/c1", #"{"first_name": "\#(padding)"}"#)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.isProblem)
            // Just under the limit is read (and refused for what it says, not for its size).
            let underLimit = String(repeating: "x", count: (1 << 20) - 100)
            let large = try await client.put("/v1/contacts/c1", #"{"first_name": "\#(underLimit)"}"#)
            #expect(large.status == .created)
        }
    }

    @Test func configurationErrorsAreClear() throws {
        #expect(throws: StartupError.self) { try ServiceConfiguration.parse("tokens: [{ name: a, env: A, scopes: [root] }]") }
        #expect(throws: StartupError.self) { try ServiceConfiguration.parse("delivery: { attempts: 3, first_retry: soon }") }
        let configuration = try ServiceConfiguration.parse("""
            delivery: { attempts: 5, first_retry: 2s, max_retry: 10m }
            channels:
              default: { kind: webhook, url: "http://127.0.0.1:9000/actions", secret_env: ACTIONS_HOOK_SECRET }
            webhooks:
              mailgun: { signing_key_env: MAILGUN_SIGNING_KEY }
            """)
        #expect(configuration.delivery.attempts == 5)
        #expect(configuration.delivery.firstRetry == 2)
        #expect(configuration.delivery.maxRetry == 600)
        #expect(configuration.channels["default"]?["secret_env"] == "ACTIONS_HOOK_SECRET")
        #expect(configuration.webhooks["mailgun"]?["signing_key_env"] == "MAILGUN_SIGNING_KEY")
        #expect(DatabaseLocation.postgres(url: "postgres://app:hunter2@db:5432/campaigns").description == "postgres://app@db:5432/campaigns")
    }
}
