import CampaignFlows
@testable import CampaignRuntime
import CampaignStoreSQLite
import Foundation
import Testing

/// Contact time zones (v1.2, `timezone: contact.FIELD` with `fallback_timezone`) on every store: `wait_until`,
/// `send_time: optimized` and quiet hours read each contact's zone, a contact whose field names no zone the
/// runtime accepts uses the fallback, and a schedule fires at its local time in every zone its contacts live
/// in, each firing entering only the contacts whose local time it is, across restarts and daylight saving.
extension StoreConformanceTests {
    static let zoneField = "timezone"

    /// An instant written in UTC.
    static func utc(_ text: String) -> Double { Value.parseInstant(text, timeZone: .gmt)! }

    /// An instant as RFC 3339 in UTC.
    static func text(_ instant: Double) -> String { Value.instant(instant).description }

    /// `states` in contact time zones: each contact's `timezone` field, else `fallback`.
    static func zonedFlow(_ states: [FlowState], trigger: FlowTrigger = .event("signup", filter: nil),
                          fallback: String = "Europe/Paris") -> FlowInterpreter {
        var definition = makeFlow(states, trigger: trigger, timezone: fallback).definition
        definition.contactTimezoneField = zoneField
        definition.messages["promo"] = FlowMessage(channel: .sms, category: "sale")
        return FlowInterpreter(definition)
    }

    /// A subscriber with a phone, whose `timezone` field holds `zone` (none when nil).
    static func resident(_ id: String, _ zone: Value?) -> ContactProfile {
        var contact = subscriber(id)
        contact.fields["phone"] = .string("+33600000000")
        if let zone { contact.fields[zoneField] = zone }
        return contact
    }

    /// `wait_until` every day at `hour`:00, then on to `next`.
    static func waitUntil(_ id: String, hour: Int, next: Int) -> FlowState {
        FlowState(id: id, line: 1, step: .waitUntil(days: Weekday.allCases, from: hour * 60, to: nil, next: next))
    }

    /// When the waiting visit of `contact` wakes.
    static func wakesAt(_ store: any CampaignStore, _ contact: String) async throws -> Double? {
        guard case .waiting(let until, _)? = try await store.visits(of: contact).last?.phase else { return nil }
        return until
    }

    /// Who entered campaign `c` and when, in order.
    static func entries(_ engine: CampaignEngine) async -> [String] {
        await engine.trace.compactMap { event in
            if case .entered(let key, let at) = event, key.flow == flow { return "\(key.contact) \(Self.text(at))" }
            return nil
        }
    }

    @Test(arguments: StoreFactory.all)
    func waitUntilLandsOnEachContactsLocalTime(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: Self.utc("2026-03-02T12:00:00Z"))  // a Monday: 21:00 in Tokyo, 13:00 in Paris
        let flow = Self.zonedFlow([Self.waitUntil("morning", hour: 8, next: 1), FlowState(id: "done", line: 2, step: .end(.success))],
                                  fallback: "America/New_York")
        let engine = try await CampaignEngine(flows: [flow], store: store, clock: clock)
        for (id, zone) in [("tokyo", "Asia/Tokyo"), ("paris", "Europe/Paris")] {
            try await engine.upsertContact(Self.resident(id, .string(zone)))
            try await engine.handle(event: "signup", contact: id)
        }
        #expect(try await Self.wakesAt(store, "tokyo") == Self.utc("2026-03-02T23:00:00Z"), "08:00 JST")
        #expect(try await Self.wakesAt(store, "paris") == Self.utc("2026-03-03T07:00:00Z"), "08:00 CET")
        try await engine.advance(to: Self.utc("2026-03-03T07:00:00Z"))
        #expect(try await outcome(engine, "tokyo") == .campaign(.success))
        #expect(try await outcome(engine, "paris") == .campaign(.success))
    }

    @Test(arguments: StoreFactory.all)
    func aContactWhoseFieldNamesNoZoneUsesTheFallback(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: Self.utc("2026-03-02T12:00:00Z"))  // 07:00 in New York
        let flow = Self.zonedFlow([Self.waitUntil("morning", hour: 8, next: 1), FlowState(id: "done", line: 2, step: .end(.success))],
                                  fallback: "America/New_York")
        let engine = try await CampaignEngine(flows: [flow], store: store, clock: clock)
        let fields: [(String, Value?)] = [("none", nil), ("abbreviation", .string("EST")), ("unknown", .string("Mars/Olympus")),
                                          ("offset", .string("UTC+9")), ("number", .int(9)), ("empty", .string(""))]
        for (id, zone) in fields {
            try await engine.upsertContact(Self.resident(id, zone))
            try await engine.handle(event: "signup", contact: id)
        }
        try await engine.upsertContact(Self.resident("tokyo", .string("Asia/Tokyo")))
        try await engine.handle(event: "signup", contact: "tokyo")
        for (id, _) in fields {
            #expect(try await Self.wakesAt(store, id) == Self.utc("2026-03-02T13:00:00Z"), "\(id): 08:00 in New York, the fallback")
        }
        #expect(try await Self.wakesAt(store, "tokyo") == Self.utc("2026-03-02T23:00:00Z"), "beside them, 08:00 in Tokyo")
    }

    @Test(arguments: StoreFactory.all)
    func aContactWhoseZoneChangesGetsTheNewZoneAtTheNextStep(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: Self.utc("2026-03-02T12:00:00Z"))
        let flow = Self.zonedFlow([Self.waitUntil("morning", hour: 8, next: 1), Self.waitUntil("evening", hour: 20, next: 2),
                                   FlowState(id: "done", line: 3, step: .end(.success))])
        let engine = try await CampaignEngine(flows: [flow], store: store, clock: clock)
        try await engine.upsertContact(Self.resident("mover", .string("Europe/Paris")))
        try await engine.handle(event: "signup", contact: "mover")
        #expect(try await Self.wakesAt(store, "mover") == Self.utc("2026-03-03T07:00:00Z"), "08:00 in Paris")
        clock.now = Self.utc("2026-03-02T18:00:00Z")
        try await engine.updateContact("mover", fields: [Self.zoneField: .string("Asia/Tokyo")])
        #expect(try await Self.wakesAt(store, "mover") == Self.utc("2026-03-03T07:00:00Z"), "a waiting visit keeps its instant")
        try await engine.advance(to: Self.utc("2026-03-03T07:00:00Z"))
        #expect(try await Self.wakesAt(store, "mover") == Self.utc("2026-03-03T11:00:00Z"), "20:00 in Tokyo, not 19:00Z in Paris")
    }

    @Test(arguments: StoreFactory.all)
    func quietHoursHoldASendUntilTheyEndInTheContactsZone(_ factory: StoreFactory) async throws {
        let clock = VirtualClock(now: Self.utc("2026-03-02T12:00:00Z"))  // 21:00 in Tokyo, 13:00 in Paris
        let channels = RecordingChannels()
        let flow = Self.zonedFlow([
            FlowState(id: "send", line: 1, step: .send(channel: .sms, message: "promo", approval: false, optimized: false, next: 1)),
            FlowState(id: "done", line: 2, step: .end(.success)),
        ])
        let engine = try await CampaignEngine(flows: [flow], store: try await factory.make(), channels: channels, clock: clock)
        await engine.enforce(ContactPressurePolicy(quietHours: QuietHours(from: 21 * 60, to: 8 * 60, channels: [.sms])))
        for (id, zone) in [("tokyo", "Asia/Tokyo"), ("paris", "Europe/Paris")] {
            try await engine.upsertContact(Self.resident(id, .string(zone)))
            try await engine.handle(event: "signup", contact: id)
        }
        #expect(channels.performed.map(\.key.visit.contact) == ["paris"], "13:00 in Paris; 21:00 in Tokyo is quiet")
        try await engine.advance(to: Self.utc("2026-03-02T22:59:59Z"))
        #expect(channels.performed.count == 1)
        try await engine.advance(to: Self.utc("2026-03-02T23:00:00Z"))
        #expect(channels.performed.map { "\($0.key.visit.contact) \(Self.text($0.at))" }
                == ["paris 2026-03-02T12:00:00Z", "tokyo 2026-03-02T23:00:00Z"], "08:00 in Tokyo, when its quiet hours end")
    }

    @Test(arguments: StoreFactory.all)
    func anOptimizedSendGoesAtTheContactsBestLocalHour(_ factory: StoreFactory) async throws {
        let clock = VirtualClock(now: Self.utc("2026-03-02T04:10:00Z"))
        let channels = RecordingChannels()
        let flow = Self.zonedFlow([
            FlowState(id: "send", line: 1, step: .send(channel: .email, message: "m", approval: false, optimized: true, next: 1)),
            FlowState(id: "done", line: 2, step: .end(.success)),
        ])
        let engine = try await CampaignEngine(flows: [flow], store: try await factory.make(), channels: channels, clock: clock)
        // Opens at 04:10Z on three days: 09:40 in Kolkata (UTC+05:30), 05:10 in Paris.
        for (id, zone) in [("kolkata", "Asia/Kolkata"), ("paris", "Europe/Paris")] {
            try await engine.upsertContact(Self.resident(id, .string(zone)))
            for day in 0..<3 {
                clock.now = Self.utc("2026-03-02T04:10:00Z") + Double(day) * 86_400
                try await engine.handle(event: "email_opened", contact: id)
            }
        }
        clock.now = Self.utc("2026-03-05T12:00:00Z")
        for id in ["kolkata", "paris"] { try await engine.handle(event: "signup", contact: id) }
        try await engine.advance(to: Self.utc("2026-03-06T12:00:00Z"))
        let sent = Dictionary(uniqueKeysWithValues: channels.performed.map { ($0.key.visit.contact, $0.at) })
        #expect(sent["kolkata"] == Self.utc("2026-03-06T03:30:00Z"), "09:00 in Kolkata")
        #expect(sent["paris"] == Self.utc("2026-03-06T04:00:00Z"), "05:00 in Paris")
    }

    /// A daily schedule at 09:00 with contacts in Tokyo, New York, Berlin and Paris (the fallback), and one whose
    /// field names no zone.
    static func dailyAtNine(_ store: any CampaignStore, clock: VirtualClock) async throws -> CampaignEngine {
        let flow = zonedFlow([FlowState(id: "done", line: 1, step: .end(.success))], trigger: .schedule("0 9 * * *"))
        let engine = try await CampaignEngine(flows: [flow], store: store, clock: clock)
        for (id, zone) in [("tokyo", "Asia/Tokyo"), ("new-york", "America/New_York"), ("berlin", "Europe/Berlin"),
                           ("paris", "Europe/Paris"), ("nowhere", "EST")] {
            try await engine.upsertContact(resident(id, .string(zone)))
        }
        return engine
    }

    @Test(arguments: StoreFactory.all)
    func aScheduleFiresAtItsLocalTimeInEveryZoneItsContactsLiveIn(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: Self.utc("2026-06-01T02:00:00Z"))  // a Monday, after 09:00 in Tokyo
        let engine = try await Self.dailyAtNine(store, clock: clock)
        try await engine.advance(to: clock.now)
        #expect(try await store.flowState(Self.flow).contactZones.map { Set($0.keys) }
                == ["Asia/Tokyo", "America/New_York", "Europe/Berlin"], "one pass over the contacts when the schedule starts")
        // Added after the schedule started, in a zone whose 09:00 (03:30Z) has passed since: it waits for tomorrow's.
        clock.now = Self.utc("2026-06-01T05:00:00Z")
        try await engine.upsertContact(Self.resident("kolkata", .string("Asia/Kolkata")))
        var firings = 0
        while try await engine.advanceOnce(to: Self.utc("2026-06-02T05:00:00Z")) { firings += 1 }
        #expect(await Self.entries(engine) == [
            "berlin 2026-06-01T07:00:00Z", "nowhere 2026-06-01T07:00:00Z", "paris 2026-06-01T07:00:00Z",
            "new-york 2026-06-01T13:00:00Z",
            "tokyo 2026-06-02T00:00:00Z",
            "kolkata 2026-06-02T03:30:00Z",
        ])
        #expect(firings == 4, "Berlin and Paris share their instant, and their firing")
        #expect(try await store.flowState(Self.flow).contactZones.map { Set($0.keys) }
                == ["Asia/Tokyo", "America/New_York", "Europe/Berlin", "Asia/Kolkata"])
    }

    /// A zoned schedule's state that counted before contact zones (its `triggeredUpTo` set, no zones listed)
    /// gets its contacts' zones at the next advance, and they fire. (Found in review.)
    @Test(arguments: StoreFactory.all)
    func aStateThatCountedBeforeContactZonesGetsThem(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: Self.utc("2026-06-01T02:00:00Z"))
        let engine = try await Self.dailyAtNine(store, clock: clock)
        var state = try await store.flowState(Self.flow)
        state.triggeredUpTo = clock.now - 3_600
        var unit = EffectUnit()
        unit.flows[Self.flow] = state
        try await store.commit(unit)
        try await engine.advance(to: Self.utc("2026-06-02T01:00:00Z"))
        let entries = await Self.entries(engine)
        #expect(entries.contains("new-york 2026-06-01T13:00:00Z") && entries.contains("tokyo 2026-06-02T00:00:00Z"), "\(entries)")
    }

    /// A contact written by a process that did not run the zoned version yet, in a zone nobody listed, is
    /// listed by the next firing's pass and enters from then on. (Found in review.)
    @Test(arguments: StoreFactory.all)
    func aZoneNobodyListedIsFoundByTheNextFiring(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: Self.utc("2026-06-01T02:00:00Z"))
        let engine = try await Self.dailyAtNine(store, clock: clock)
        try await engine.advance(to: clock.now)
        let other = try await CampaignEngine(flows: [], store: store, clock: clock)
        try await other.upsertContact(Self.resident("sydney", .string("Australia/Sydney")))
        try await engine.advance(to: Self.utc("2026-06-03T00:00:00Z"))
        #expect(try await store.flowState(Self.flow).contactZones?["Australia/Sydney"] != nil)
        // Listed by Paris's firing at 07:00Z; 09:00 in Sydney (UTC+10 in June) is 23:00Z the day before.
        #expect(await Self.entries(engine).filter { $0.hasPrefix("sydney ") } == ["sydney 2026-06-01T23:00:00Z", "sydney 2026-06-02T23:00:00Z"])
    }

    /// A field holding a zone's name with more after a NUL, or a text of any length, names no zone: the contact
    /// gets the fallback, and the flow lists nothing new. (Foundation reads a name only up to a NUL, and would
    /// have run "Asia/Tokyo\0..." as UTC; found in review.)
    @Test(arguments: StoreFactory.all)
    func aFieldWithAZoneAndMoreNamesNoZone(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: Self.utc("2026-06-01T02:00:00Z"))
        let engine = try await Self.dailyAtNine(store, clock: clock)
        try await engine.advance(to: clock.now)
        for name in ["Asia/Tokyo\u{0}", "Asia/Tokyo\u{0}x", "Europe/Paris\u{0}", String(repeating: "Asia/Tokyo", count: 1_000)] {
            #expect((try? CampaignTimeZone.resolve(name).get()) == nil, "\(name.prefix(20).debugDescription)")
        }
        try await engine.upsertContact(Self.resident("nul", .string("Asia/Tokyo\u{0}")))
        try await engine.upsertContact(Self.resident("long", .string(String(repeating: "x", count: 100_000))))
        try await engine.advance(to: Self.utc("2026-06-01T08:00:00Z"))
        #expect(try await store.flowState(Self.flow).contactZones.map { Set($0.keys) } == ["Asia/Tokyo", "America/New_York", "Europe/Berlin"])
        let entries = await Self.entries(engine)
        #expect(entries.contains("nul 2026-06-01T07:00:00Z") && entries.contains("long 2026-06-01T07:00:00Z"), "at 09:00 in Paris: \(entries)")
    }

    /// A scheduled version that was a draft, or was drained, counts from when it is published again: the slots it
    /// missed meanwhile are not made up at once. (Found in review; older than contact zones.)
    @Test(arguments: [false, true])
    func aScheduleCountsFromWhenItsVersionIsPublished(_ zoned: Bool) async throws {
        let store = InMemoryStore()
        let clock = VirtualClock(now: Self.utc("2026-06-01T00:00:00Z"))
        var definition = makeFlow([FlowState(id: "done", line: 1, step: .end(.success))], trigger: .schedule("0 9 * * *"),
                                  status: .draft, timezone: "Europe/Paris").definition
        if zoned { definition.contactTimezoneField = Self.zoneField }
        let engine = try await CampaignEngine(flows: [FlowInterpreter(definition)], store: store, clock: clock)
        try await engine.upsertContact(Self.resident("a", zoned ? .string("Asia/Tokyo") : nil))
        try await engine.advance(to: clock.now)
        clock.now = Self.utc("2026-06-04T00:00:00Z")
        try await engine.advance(to: clock.now)
        try await engine.setStatus(Self.flow, .published)
        try await engine.advance(to: clock.now + 60)
        #expect(await Self.entries(engine).isEmpty, "nothing made up at once")
        clock.now = Self.utc("2026-06-05T00:00:00Z")
        try await engine.advance(to: clock.now)
        #expect(await Self.entries(engine) == [zoned ? "a 2026-06-05T00:00:00Z" : "a 2026-06-04T07:00:00Z"])
        // Drained, then published again two days later: it goes on from then.
        try await engine.setStatus(Self.flow, .draining)
        clock.now = Self.utc("2026-06-07T00:00:00Z")
        try await engine.advance(to: clock.now)
        try await engine.setStatus(Self.flow, .published)
        try await engine.advance(to: clock.now + 60)
        #expect(await Self.entries(engine).count == 1, "the days it was draining are not made up")
    }

    /// The pass that starts the schedule and the firings both go page by page: zones found on a later page fire.
    @Test(arguments: StoreFactory.all)
    func zonesOfContactsPastTheFirstPageFire(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let ids = (0...CampaignEngine.pageSize).map { String(format: "c-%04d", $0) }
        var unit = EffectUnit()
        for id in ids { unit.contacts[id] = Self.resident(id, nil) }
        unit.contacts[ids[250]] = Self.resident(ids[250], .string("America/New_York"))
        unit.contacts[ids.last!] = Self.resident(ids.last!, .string("Asia/Tokyo"))
        try await store.commit(unit)
        let clock = VirtualClock(now: Self.utc("2026-06-01T02:00:00Z"))
        let flow = Self.zonedFlow([FlowState(id: "done", line: 1, step: .end(.success))], trigger: .schedule("0 9 * * *"))
        let engine = try await CampaignEngine(flows: [flow], store: store, clock: clock)
        try await engine.advance(to: clock.now)
        #expect(try await store.flowState(Self.flow).contactZones.map { Set($0.keys) } == ["America/New_York", "Asia/Tokyo"])
        try await engine.advance(to: Self.utc("2026-06-02T01:00:00Z"))
        var entered: [String: [String]] = [:]
        for line in await Self.entries(engine) {
            let parts = line.split(separator: " ")
            entered[String(parts[1]), default: []].append(String(parts[0]))
        }
        #expect(entered.mapValues(\.count) == ["2026-06-01T07:00:00Z": ids.count - 2, "2026-06-01T13:00:00Z": 1, "2026-06-02T00:00:00Z": 1])
        #expect(entered["2026-06-01T13:00:00Z"] == [ids[250]] && entered["2026-06-02T00:00:00Z"] == [ids.last!])
    }

    /// A zone written by a step of another campaign, in a batch of the inbox, is listed in that batch's commit.
    @Test(arguments: StoreFactory.all)
    func aZoneSetByAStepInABatchOfTheInboxFires(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: Self.utc("2026-06-01T02:00:00Z"))
        let daily = Self.zonedFlow([FlowState(id: "done", line: 1, step: .end(.success))], trigger: .schedule("0 9 * * *"))
        let moving = makeFlow([
            FlowState(id: "move", line: 1, step: .update([FieldAssignment(field: Self.zoneField, value: .string("Asia/Tokyo"))], next: 1)),
            FlowState(id: "moved", line: 2, step: .end(.success)),
        ], trigger: .event("moved", filter: nil), campaign: "moving")
        let engine = try await CampaignEngine(flows: [daily, moving], store: store, clock: clock)
        try await engine.upsertContact(Self.resident("a", nil))
        try await engine.advance(to: clock.now)
        #expect(try await store.flowState(Self.flow).contactZones == [:])
        var accepted = EffectUnit()
        accepted.inboxAdded = [InboxEvent(id: "e1", contact: "a", event: "moved", payload: [:], at: clock.now)]
        try await store.commit(accepted)
        #expect(try await engine.processInbox() == 1)
        #expect(try await store.flowState(Self.flow).contactZones == ["Asia/Tokyo": clock.now])
        try await engine.advance(to: Self.utc("2026-06-02T01:00:00Z"))
        #expect(await Self.entries(engine) == ["a 2026-06-02T00:00:00Z"],
                "at 09:00 in Tokyo, not at 09:00 in Paris")
    }

    @Test(arguments: StoreFactory.all)
    func aFiringForOneContactOrByHandIsNotFilteredByZone(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: Self.utc("2026-06-01T02:00:00Z"))
        let engine = try await Self.dailyAtNine(store, clock: clock)
        try await engine.advance(to: clock.now)
        try await engine.fire(Self.flow, contact: "tokyo")
        #expect(await Self.entries(engine) == ["tokyo 2026-06-01T02:00:00Z"])
        try await engine.fire(Self.flow)
        #expect(await Self.entries(engine).count == 6, "a firing by hand enters everyone")
        try await engine.advance(to: Self.utc("2026-06-01T07:00:00Z"))
        #expect(await Self.entries(engine).dropFirst(6) == ["berlin 2026-06-01T07:00:00Z", "nowhere 2026-06-01T07:00:00Z",
                                                           "paris 2026-06-01T07:00:00Z"], "the schedule's next firing is its zones'")
    }

    @Test(arguments: StoreFactory.all)
    func aNewEngineMidDayFiresEachZoneOnce(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: Self.utc("2026-06-01T02:00:00Z"))
        let first = try await Self.dailyAtNine(store, clock: clock)
        try await first.advance(to: clock.now)
        try await first.advance(to: Self.utc("2026-06-01T10:00:00Z"))
        #expect(await Self.entries(first).count == 3, "Berlin, Paris and the fallback's contact so far")
        clock.now = Self.utc("2026-06-01T10:00:00Z")
        let flow = Self.zonedFlow([FlowState(id: "done", line: 1, step: .end(.success))], trigger: .schedule("0 9 * * *"))
        let second = try await CampaignEngine(flows: [flow], store: store, clock: clock)
        try await second.advance(to: Self.utc("2026-06-02T06:00:00Z"))
        #expect(await Self.entries(second) == ["new-york 2026-06-01T13:00:00Z", "tokyo 2026-06-02T00:00:00Z"])
        #expect(try await store.visits(in: Self.flow).count == 5, "each contact once")
    }

    /// A firing a process left unfinished keeps its zones in the store: resumed, it enters their contacts only.
    @Test(arguments: StoreFactory.all)
    func aFiringLeftUnfinishedResumesForItsZonesOnly(_ factory: StoreFactory) async throws {
        let store = try await factory.make()
        let clock = VirtualClock(now: Self.utc("2026-06-01T02:00:00Z"))
        let engine = try await Self.dailyAtNine(store, clock: clock)
        try await engine.advance(to: clock.now)
        var state = try await store.flowState(Self.flow)
        state.fanOuts.append(FanOut(work: .firing(at: Self.utc("2026-06-02T00:00:00Z")), zones: ["Asia/Tokyo"]))
        var left = EffectUnit()
        left.flows[Self.flow] = state
        try await store.commit(left)
        try await engine.resume()
        #expect(await Self.entries(engine) == ["tokyo 2026-06-02T00:00:00Z"])
        #expect(try await store.flowState(Self.flow).fanOuts.isEmpty)
    }

    @Test func aReopenedDatabaseFiresEachZoneOnce() async throws {
        try await withDatabaseFile { path in
            let clock = VirtualClock(now: Self.utc("2026-06-01T02:00:00Z"))
            let first = try SQLiteStore(path: path)
            let engine = try await Self.dailyAtNine(first, clock: clock)
            try await engine.advance(to: clock.now)
            // Added after the start, in a zone whose 09:00 is still to come today (13:00Z in New York is already listed).
            clock.now = Self.utc("2026-06-01T10:00:00Z")
            try await engine.upsertContact(Self.resident("chicago", .string("America/Chicago")))
            try await engine.advance(to: Self.utc("2026-06-01T13:30:00Z"))
            #expect(await Self.entries(engine).count == 4, "Berlin, Paris, the fallback's contact and New York")
            try first.close()

            let reopened = try SQLiteStore(path: path)
            clock.now = Self.utc("2026-06-01T13:30:00Z")
            let flow = Self.zonedFlow([FlowState(id: "done", line: 1, step: .end(.success))], trigger: .schedule("0 9 * * *"))
            let restarted = try await CampaignEngine(flows: [flow], store: reopened, clock: clock)
            try await restarted.advance(to: Self.utc("2026-06-02T07:00:00Z"))
            #expect(await Self.entries(restarted) == [
                "chicago 2026-06-01T14:00:00Z", "tokyo 2026-06-02T00:00:00Z",
                "berlin 2026-06-02T07:00:00Z", "nowhere 2026-06-02T07:00:00Z", "paris 2026-06-02T07:00:00Z",
            ])
        }
    }

    /// The instants a daily schedule `cron` entered a New York contact and a Paris (fallback) one, from
    /// `start` for `days` days.
    static func newYorkAndParisFirings(_ factory: StoreFactory, cron: String, start: String,
                                       days: Double) async throws -> (newYork: [String], paris: [String]) {
        let clock = VirtualClock(now: utc(start))
        let flow = zonedFlow([FlowState(id: "done", line: 1, step: .end(.success))], trigger: .schedule(cron))
        let engine = try await CampaignEngine(flows: [flow], store: try await factory.make(), clock: clock)
        try await engine.upsertContact(resident("new-york", .string("America/New_York")))
        try await engine.upsertContact(resident("paris", nil))
        try await engine.advance(to: clock.now)
        try await engine.advance(to: clock.now + days * 86_400)
        let entries = await entries(engine)
        func of(_ id: String) -> [String] { entries.filter { $0.hasPrefix(id + " ") }.map { String($0.dropFirst(id.count + 1)) } }
        return (of("new-york"), of("paris"))
    }

    @Test(arguments: StoreFactory.all)
    func aZoneWhoseClocksChangeFiresAsCronieDoesThereOnly(_ factory: StoreFactory) async throws {
        // New York springs forward on 8 March 2026: 02:30 does not exist, and fires once, right after the gap.
        let spring = try await Self.newYorkAndParisFirings(factory, cron: "30 2 * * *", start: "2026-03-07T00:00:00Z", days: 3)
        #expect(spring.newYork == ["2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"])
        #expect(spring.paris == ["2026-03-07T01:30:00Z", "2026-03-08T01:30:00Z", "2026-03-09T01:30:00Z"])
        // New York falls back on 1 November 2026: 01:30 happens twice, and fires once, in the first pass.
        let fall = try await Self.newYorkAndParisFirings(factory, cron: "30 1 * * *", start: "2026-10-31T00:00:00Z", days: 3)
        #expect(fall.newYork == ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"])
        #expect(fall.paris == ["2026-10-31T00:30:00Z", "2026-11-01T00:30:00Z", "2026-11-02T00:30:00Z"])
    }

    @Test(arguments: StoreFactory.all)
    func aGoalConversionWritesAJournalLine(_ factory: StoreFactory) async throws {
        let goal = FlowGoal(awaited: .event("purchase", filter: nil), within: 1_000, exit: true)
        let clock = VirtualClock(now: 0)
        let engine = try await CampaignEngine(flows: [Self.goalFlow(holdout: 10, goal: goal)], store: try await factory.make(),
                                              clock: clock, keepsJournal: true)
        for (id, heldOut) in [("treated", false), ("held", true)] {
            try await engine.upsertContact(subscriber(id))
            await engine.forceHoldout(contact: id, heldOut)
            try await engine.handle(event: "signup", contact: id)
        }
        clock.now = 100
        try await engine.handle(event: "purchase", contact: "treated")
        try await engine.handle(event: "purchase", contact: "held")
        try await engine.handle(event: "purchase", contact: "treated")
        let treated = try await engine.store.journal(of: "treated").filter { $0.at == 100 }.map { "\($0.kind.rawValue): \($0.detail)" }
        #expect(treated == ["converted: goal: event purchase", "ended: success"], "once, before the end it causes")
        let held = try await engine.store.journal(of: "held").filter { $0.kind == .converted }
        #expect(held.map(\.detail) == ["goal: event purchase (held out)"] && held.first?.visit == 1)
    }

    @Test func flowStatesAndFiringsWithoutContactZonesAreStoredAsBefore() throws {
        var state = FlowRuntimeState()
        state.fanOuts = [FanOut(work: .firing(at: 5))]
        let plain = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        #expect(!plain.contains("contactZones") && !plain.contains("zones"))
        state.contactZones = ["Asia/Tokyo": 3]
        state.fanOuts = [FanOut(work: .firing(at: 5), zones: ["Asia/Tokyo", "Europe/Paris"])]
        #expect(try JSONDecoder().decode(FlowRuntimeState.self, from: try JSONEncoder().encode(state)) == state)
    }
}
