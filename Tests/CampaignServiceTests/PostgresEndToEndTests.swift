import Foundation
import Testing

/// Two `campaignd` processes on one PostgreSQL database share the work: the same inputs, spread over both,
/// give the results of one process. Runs when `CAMPAIGNC_POSTGRES_URL` names a server
/// (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`); each run gets a database of its own, created with psql
/// and dropped afterwards.
@Suite(.serialized, .enabled(if: PostgresDatabase.serverURL != nil, "CAMPAIGNC_POSTGRES_URL is not set"))
struct PostgresEndToEndTests {
    /// What a run leaves behind, written so that two runs compare: the abandoned-cart v2 report (with its
    /// sends counted, not dated), each contact's journey without its instants (each process's virtual clock
    /// starts at its own wall-clock time), and the action keys the receiver acknowledged.
    struct Results: Equatable {
        var report: String
        var journeys: [String: [String]]
        var keys: Set<String>
    }

    static let contacts = (0..<24).map { "p\($0)" }

    static func gender(_ index: Int) -> String? { [0: "female", 1: "male"][index % 3] }

    /// Every sixth cart is too small to enter; every third contact that entered opens their reminder.
    static func enters(_ index: Int) -> Bool { index % 6 != 0 }
    static func opens(_ index: Int) -> Bool { enters(index) && index % 3 == 1 }

    @Test func twoProcessesOnOneDatabaseGiveTheResultsOfOne() async throws {
        let server = try #require(PostgresDatabase.serverURL)
        let alone = try await Self.run(processes: 1, server: server)
        // The unit lock keeps the two processes' units apart (docs/storage.md), and the virtual clock moved on
        // one is read by the other from the database.
        let shared = try await Self.run(processes: 2, server: server)
        #expect(shared.report == alone.report)
        for contact in Self.contacts {
            #expect(shared.journeys[contact] == alone.journeys[contact], "\(contact)")
        }
        #expect(shared.keys == alone.keys)
    }

    /// Runs the scenario with `processes` campaignd processes on a new database: contacts and carts spread
    /// over the processes in turn, the clock moved on the first past the 2-hour wait, opens reported through
    /// Mailgun and SendGrid to the processes in turn, the clock moved past the 2-day wait.
    static func run(processes count: Int, server: String) async throws -> Results {
        let database = try PostgresDatabase.create(on: server)
        defer { database.drop() }
        return try await EndToEndWorld.run { world in
            var processes: [CampaigndProcess] = []
            for _ in 0..<count { processes.append(try await world.start(database: database.url, name: "postgres")) }
            let clients = processes.map(\.client)
            let mover = clients[0]
            for (index, id) in contacts.enumerated() {
                try await EndToEndTests.putContact(id, gender: gender(index), clients[index % count])
            }
            let start = try await mover.clock()
            for (index, id) in contacts.enumerated() {
                let cart = EndToEndTests.cart("cart-\(id)", contact: id, total: enters(index) ? 50 : 10)
                let answer = try await clients[index % count].post("/v1/events", cart)
                try #require(answer.status == .accepted, "\(answer.text)")
            }

            try await mover.moveClock(to: start + 2 * EndToEndTests.hour + 60)
            let expected = Set(contacts.indices.filter(enters).map { EndToEndTests.reminderKey(contacts[$0], gender: gender($0)) })
            #expect(try await eventually { world.receiver.acknowledgedKeys.isSuperset(of: expected) })

            for (index, id) in contacts.enumerated() where opens(index) {
                let key = EndToEndTests.reminderKey(id, gender: gender(index))
                let at = start + 2 * EndToEndTests.hour + 600
                let answer = index % 2 == 0
                    ? try await clients[index % count].post(webhook: "mailgun", try ProviderWebhookRequests.mailgun(
                        event: "opened", id: "open-\(id)", sendKey: key, at: at, signingKey: EndToEndWorld.mailgunSigningKey))
                    : try await clients[index % count].post(webhook: "sendgrid", try ProviderWebhookRequests.sendGrid(
                        event: "open", id: "open-\(id)", sendKey: key, email: "\(id)@example.com", at: at, key: try world.sendGridKey))
                try #require(answer.status == .ok, "\(answer.text)")
            }
            try await mover.moveClock(to: start + 2 * EndToEndTests.hour + 2 * EndToEndTests.day + EndToEndTests.hour)
            #expect(try await mover.allDelivered("abandoned-cart", version: 2))
            let opened = contacts.indices.filter(opens).count, entered = contacts.indices.filter(enters).count
            let outcomes = try await mover.report("abandoned-cart", version: 2)["outcomes"] as? [String: Int]
            #expect(outcomes == ["success": opened, "failure": entered - opened])
            for (index, client) in clients.enumerated() {
                #expect(try await client.metric("campaignd_inbox_events") == 0, "process \(index + 1)")
            }
            return try await results(client: mover, world: world)
        }
    }

    static func results(client: CampaigndClient, world: EndToEndWorld) async throws -> Results {
        var report = try await client.report("abandoned-cart", version: 2)
        report["sends_per_day"] = (report["sends_per_day"] as? [String: Int])?.values.reduce(0, +)
        var journeys: [String: [String]] = [:]
        for id in contacts {
            let journey = try await client.journey(id)
            // The engagement campaigns are compared by their visits only: engagement-tagging runs at 06:00 in
            // Paris and tags contacts, which changes the path engagement-activity takes, so what they do depends
            // on the wall-clock time of the run.
            journeys[id] = journey.visits.flatMap { visit in
                let header = "\(visit.campaign) v\(visit.version) #\(visit.number)"
                guard visit.campaign == "abandoned-cart" else { return visit.campaign == "engagement-tagging" ? [] : [header] }
                return ["\(header) active: \(visit.active) step: \(visit.step ?? "-") outcome: \(visit.outcome ?? "-")"]
                    + visit.timeline.map { "  \($0.kind) \($0.step ?? "-") \($0.detail)" }
            } + journey.refusals.map { "not entered \($0.campaign) v\($0.version): \($0.detail)" }
        }
        let keys = world.receiver.acknowledgedKeys.filter { $0.contains("/abandoned-cart/") }
        return Results(report: canonicalJSON(report), journeys: journeys, keys: keys)
    }
}

/// A database of its own on a PostgreSQL server, created and dropped with psql.
struct PostgresDatabase {
    /// The server's URL with the new database's name as its path.
    let url: String
    let name: String
    private let server: String

    /// The server the tests may use: `CAMPAIGNC_POSTGRES_URL`, when set.
    static var serverURL: String? {
        guard let url = ProcessInfo.processInfo.environment["CAMPAIGNC_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    /// Creates `campaignd_e2e_...` on the server `server` names.
    static func create(on server: String) throws -> PostgresDatabase {
        let name = "campaignd_e2e_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        var components = try #require(URLComponents(string: server), "CAMPAIGNC_POSTGRES_URL is not a URL")
        components.path = "/" + name
        let url = try #require(components.string)
        try psql(server, "CREATE DATABASE \(name)")
        return PostgresDatabase(url: url, name: name, server: server)
    }

    /// Drops the database, closing what still uses it (best effort: a leftover database harms no later run).
    func drop() {
        try? Self.psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    private static func psql(_ url: String, _ statement: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", url, "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "-c", statement]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw EndToEndError("psql failed on '\(statement)': \(String(decoding: message, as: UTF8.self))")
        }
    }
}
