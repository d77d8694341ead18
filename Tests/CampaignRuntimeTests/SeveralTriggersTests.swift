import Foundation
import Testing
import CampaignFlows
@testable import CampaignRuntime

/// Several event triggers (v1.2): an event of any of them enters the contact, each trigger with its own
/// `where`, and definitions stored before v1.2 read and fingerprint as they did.
@Suite struct SeveralTriggersTests {
    static let fromAds = FlowExpression.compare(.equal, .eventField("source"), .literal(.string("ads")))
    static let fromWeb = FlowExpression.compare(.equal, .eventField("source"), .literal(.string("web")))
    static let ends = [FlowState(id: "done", line: 1, step: .end(.success))]

    func entries(_ trigger: FlowTrigger, _ events: [(contact: String, event: String, payload: [String: Value])]) async throws -> [String: Int] {
        let engine = try await CampaignEngine(flows: [makeFlow(Self.ends, trigger: trigger)], clock: VirtualClock(now: 0))
        var entered: [String: Int] = [:]
        for (contact, event, payload) in events {
            try await engine.upsertContact(subscriber(contact))
            try await engine.handle(event: event, contact: contact, payload: payload)
            entered[contact] = try await engine.store.visits(of: contact).count
        }
        return entered
    }

    @Test func anEventOfAnyTriggerEntersWhenThatTriggersWhereHolds() async throws {
        let trigger = FlowTrigger.events([FlowEventTrigger(event: "signup", filter: Self.fromAds),
                                          FlowEventTrigger(event: "purchase", filter: nil)])
        let entered = try await entries(trigger, [
            ("ads", "signup", ["source": .string("ads")]),
            ("web", "signup", ["source": .string("web")]),
            ("buyer", "purchase", [:]),  // signup's where would not hold on this payload: purchase has none
            ("visitor", "page_visited", ["url": .string("https://shop.example/")]),
        ])
        #expect(entered == ["ads": 1, "web": 0, "buyer": 1, "visitor": 0])
    }

    @Test func twoTriggersOnOneEventEnterOnceWhenEitherWhereHolds() async throws {
        let trigger = FlowTrigger.events([FlowEventTrigger(event: "signup", filter: Self.fromAds),
                                          FlowEventTrigger(event: "signup", filter: Self.fromWeb)])
        let entered = try await entries(trigger, [
            ("ads", "signup", ["source": .string("ads")]),
            ("web", "signup", ["source": .string("web")]),
            ("mail", "signup", ["source": .string("mail")]),
        ])
        #expect(entered == ["ads": 1, "web": 1, "mail": 0])
    }

    @Test func theInterpreterAnswersEachTriggersWhere() {
        let flow = makeFlow(Self.ends, trigger: .events([FlowEventTrigger(event: "signup", filter: Self.fromAds),
                                                         FlowEventTrigger(event: "purchase", filter: nil)]))
        var context = FlowContext(now: 0, contact: subscriber("a"), event: ["source": .string("web")], campaign: "c", version: 1,
                                  timeZone: .gmt)
        #expect(!flow.triggerFilter(0, &context))
        #expect(flow.triggerFilter(1, &context))
        #expect(!flow.triggerFilter(2, &context), "no such trigger")
        #expect(flow.definition.trigger.triggers(on: "purchase") == [1])
    }

    /// A definition with one event trigger, as every version before v1.2 was stored.
    static let storedBeforeSeveralTriggers = #"{"event":{"_0":"signup","filter":{"compare":{"_0":"==","_1":{"eventField":{"_0":"source"}},"_2":{"literal":{"_0":{"string":{"_0":"ads"}}}}}}}}"#

    @Test func aSingleTriggerStoredBeforeReadsAndWritesAsBefore() throws {
        let decoded = try JSONDecoder().decode(FlowTrigger.self, from: Data(Self.storedBeforeSeveralTriggers.utf8))
        #expect(decoded == .event("signup", filter: Self.fromAds))
        #expect(decoded.eventTriggers == [FlowEventTrigger(event: "signup", filter: Self.fromAds)])
        #expect(try StoredJSONTests.encoderText(decoded) == Self.storedBeforeSeveralTriggers, "so its fingerprint is unchanged")
    }

    @Test(arguments: StoreFactory.all)
    func aDeploymentWithSeveralTriggersIsReadBack(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let several = makeFlow(Self.ends, trigger: .events([FlowEventTrigger(event: "signup", filter: Self.fromAds),
                                                            FlowEventTrigger(event: "purchase", filter: nil)])).definition
        let single = makeFlow(Self.ends, trigger: .event("signup", filter: nil), campaign: "d").definition
        var unit = EffectUnit()
        unit.deployment = Deployment(schema: WorkspaceSchema(fields: [:], events: ["signup": ["source": .string], "purchase": [:]]),
                                     definitions: [several, single])
        try await store.commit(unit)
        #expect(try await store.deployments()?.definitions == [several, single])
    }
}
