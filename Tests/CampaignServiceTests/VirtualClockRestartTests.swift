import Foundation
import HummingbirdTesting
import Testing
@testable import CampaignService

/// The virtual clock is kept in the database: a restart does not take it back.
@Suite struct VirtualClockRestartTests {
    @Test func theVirtualClockSurvivesARestart() async throws {
        let folder = try ServiceHarness.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("state.sqlite")
        let first = try await DeploymentTests.service(database: database)
        let started = try await first.application().test(.live) { client in
            let client = ServiceClient(client: client, token: nil)
            let now = try #require(try await client.get("/v1/clock").json["now"] as? String)
            let moved = try await client.post("/v1/clock", #"{"now": "2031-05-04T10:00:00Z"}"#)
            #expect(moved.status == .ok)
            return now
        }
        #expect(started < "2031")
        let second = try await DeploymentTests.service(database: database)
        try await second.application().test(.live) { client in
            let client = ServiceClient(client: client, token: nil)
            #expect(try await client.get("/v1/clock").json["now"] as? String == "2031-05-04T10:00:00Z")
            let back = try await client.post("/v1/clock", #"{"now": "2031-05-04T09:00:00Z"}"#)
            #expect(back.status == .badRequest)
        }
    }
}
