import CampaignFlows
import CampaignRuntime
import Foundation
import Hummingbird

/// The campaign versions: listing, firing, approvals, status and reports.
enum CampaignRoutes {
    static func add(to table: inout RouteTable, _ core: ServiceCore) {
        table.add(.get, "/v1/campaigns", scope: .events) { _, _ in
            var versions: [VersionView] = []
            for key in core.definitions.keys.sorted() {
                guard let definition = core.definitions[key] else { continue }
                versions.append(VersionView(definition, status: try await core.engine.status(key) ?? definition.status))
            }
            return try JSONResponse.make(["campaigns": versions])
        }
        table.add(.post, "/v1/campaigns/{campaign}/fire", scope: .admin) { request, context in
            let campaign = context.parameters.get("campaign") ?? ""
            let body = try await optionalObject(request)
            var problems = InputProblems()
            problems.rejectUnknown(in: body, known: ["contact"])
            let contact = problems.optionalString("contact", in: body)
            try problems.check()
            let definition = try await publishedVersion(of: campaign, core)
            switch definition.trigger {
            case .manual:
                break
            case .api:
                guard contact != nil else {
                    throw Problem.invalidInput([.init(pointer: "/contact", detail: "is required: campaign '\(campaign)' has an api trigger, which enters one contact")])
                }
            default:
                throw Problem.conflict("campaign '\(campaign)' has no manual or api trigger, so it cannot be fired")
            }
            if let contact, try await core.store.contact(contact) == nil {
                throw Problem.invalidInput([.init(pointer: "/contact", detail: "no contact '\(contact)'")])
            }
            let key = FlowKey(campaign: definition.campaign, version: definition.version)
            try await core.metrics.unit(.fire) { try await core.engine.fire(key, contact: contact) }
            return try JSONResponse.make(FiringView(campaign: campaign, version: definition.version, contact: contact))
        }
        table.add(.post, "/v1/campaigns/{campaign}/versions/{v}/approvals", scope: .admin) { request, context in
            let definition = try core.definition(campaign: context.parameters.get("campaign") ?? "", version: context.parameters.get("v") ?? "")
            let body = try await RequestReading.object(of: request)
            var problems = InputProblems()
            problems.rejectUnknown(in: body, known: ["step", "contact"])
            let step = problems.requiredString("step", in: body)
            let contact = problems.optionalString("contact", in: body)
            if let step {
                let state = definition.states.first { $0.id == step }
                switch state?.step {
                case .send(_, _, true, _, _)?: break
                case nil: problems.add("/step", "'\(step)' is not a step of \(definition.campaign) v\(definition.version)")
                default: problems.add("/step", "'\(step)' is not a send step with approval")
                }
            }
            try problems.check()
            guard let step else { throw Problem.invalidInput([.init(pointer: "/step", detail: "is required")]) }
            let key = FlowKey(campaign: definition.campaign, version: definition.version)
            try await core.metrics.unit(.approval) { try await core.engine.approve(key, step: step, contact: contact) }
            return try JSONResponse.make(ApprovalView(campaign: definition.campaign, version: definition.version, step: step, contact: contact))
        }
        table.add(.put, "/v1/campaigns/{campaign}/versions/{v}/status", scope: .admin) { request, context in
            let definition = try core.definition(campaign: context.parameters.get("campaign") ?? "", version: context.parameters.get("v") ?? "")
            let body = try await RequestReading.object(of: request)
            var problems = InputProblems()
            problems.rejectUnknown(in: body, known: ["status"])
            let text = problems.requiredString("status", in: body)
            let settable: [CampaignStatus] = [.published, .draining, .stopped]
            let status = text.flatMap(CampaignStatus.init(rawValue:)).flatMap { settable.contains($0) ? $0 : nil }
            if let text, status == nil { problems.add("/status", "must be published, draining or stopped, found '\(text)'") }
            try problems.check()
            guard let status else { throw Problem.invalidInput([.init(pointer: "/status", detail: "is required")]) }
            let key = FlowKey(campaign: definition.campaign, version: definition.version)
            if status == .published {
                for other in try core.versions(of: definition.campaign) where other.version != definition.version {
                    let otherKey = FlowKey(campaign: other.campaign, version: other.version)
                    if try await core.engine.status(otherKey) == .published {
                        throw Problem.conflict("\(otherKey) is published; a campaign has one published version, so set it to draining or stopped first")
                    }
                }
            }
            try await core.metrics.unit(.status) { try await core.engine.setStatus(key, status) }
            return try JSONResponse.make(VersionView(definition, status: status))
        }
        table.add(.get, "/v1/campaigns/{campaign}/versions/{v}/report", scope: .events) { _, context in
            let definition = try core.definition(campaign: context.parameters.get("campaign") ?? "", version: context.parameters.get("v") ?? "")
            return try JSONResponse.make(try await ReportView.make(definition, core))
        }
    }

    /// The body as an object, or an empty one when there is no body.
    static func optionalObject(_ request: Request) async throws -> [String: JSONValue] {
        let buffer = try await RequestReading.bytes(of: request)
        guard buffer.readableBytes > 0 else { return [:] }
        return try RequestReading.object(from: buffer)
    }

    /// The campaign's published version: 404 for an unknown campaign, 409 when none is published.
    static func publishedVersion(of campaign: String, _ core: ServiceCore) async throws -> FlowDefinition {
        for definition in try core.versions(of: campaign).reversed() {
            if try await core.engine.status(FlowKey(campaign: campaign, version: definition.version)) == .published { return definition }
        }
        throw Problem.conflict("campaign '\(campaign)' has no published version")
    }
}

/// A campaign version in `GET /v1/campaigns`.
struct VersionView: Encodable {
    var campaign: String
    var version: Int
    var name: String?
    var status: String
    var source: String
    /// `event` (one or several event triggers), `schedule`, `dates`, `manual` or `api`.
    var trigger: String

    init(_ definition: FlowDefinition, status: CampaignStatus) {
        campaign = definition.campaign
        version = definition.version
        name = definition.name
        self.status = status.rawValue
        source = definition.source
        trigger = switch definition.trigger {
        case .event, .events: "event"
        case .schedule: "schedule"
        case .dates: "dates"
        case .manual: "manual"
        case .api: "api"
        }
    }
}

struct FiringView: Encodable {
    var campaign: String
    var version: Int
    var contact: String?
}

struct ApprovalView: Encodable {
    var campaign: String
    var version: Int
    var step: String
    var contact: String?
}

/// `GET /v1/campaigns/{campaign}/versions/{v}/report`, in SERVICE.md's shape.
struct ReportView: Encodable {
    struct TestView: Encodable {
        /// Each variant's score when the test was decided (null until then: the runtime scores a test when it
        /// decides it).
        var scores: [Int]?
        var winner: Int?

        enum CodingKeys: String, CodingKey { case scores, winner }

        /// Both members always, null when unknown, as SERVICE.md's shape has them.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(scores, forKey: .scores)
            try container.encode(winner, forKey: .winner)
        }
    }

    var campaign: String
    var version: Int
    var status: String
    var contacts_per_step: [String: Int]
    var arrivals_per_step: [String: Int]
    var outcomes: [String: Int]
    var sends_per_day: [String: Int]
    var suppressed: [String: Int]
    var conversions: ConversionsView
    var deliveries: DeliveryCounts
    var tests: [String: TestView]

    /// Entries and conversions of one group of visits.
    struct GroupView: Encodable {
        var entered: Int
        var converted: Int
    }

    /// Treated and held-out visits' entries and conversions (language v1.2).
    struct ConversionsView: Encodable {
        var treated: GroupView
        var holdout: GroupView

        init(_ counts: ConversionCounts) {
            treated = GroupView(entered: counts.treated, converted: counts.treatedConverted)
            holdout = GroupView(entered: counts.heldOut, converted: counts.heldOutConverted)
        }
    }

    static func make(_ definition: FlowDefinition, _ core: ServiceCore) async throws -> ReportView {
        let key = FlowKey(campaign: definition.campaign, version: definition.version)
        let report = try await core.engine.report(key)
        let state = try await core.store.flowState(key)
        // Days in the campaign's zone (its fallback zone when each contact has their own).
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = (try? CampaignTimeZone.resolve(definition.timezone).get()) ?? TimeZone(identifier: "UTC") ?? calendar.timeZone
        var sendsPerDay: [String: Int] = [:]
        for visit in try await core.store.visits(in: key) {
            for send in visit.sends.records {
                let day = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: send.sentAt))
                let text = String(format: "%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0)
                sendsPerDay[text, default: 0] += 1
            }
        }
        var tests: [String: TestView] = [:]
        for (index, step) in definition.states.enumerated() {
            guard case .test = step.step else { continue }
            tests[step.id] = TestView(scores: state.tests[index]?.scores, winner: state.tests[index]?.winner)
        }
        return ReportView(campaign: definition.campaign, version: definition.version,
                          status: (try await core.engine.status(key) ?? definition.status).rawValue,
                          contacts_per_step: report.contactsPerStep, arrivals_per_step: report.arrivalsPerStep,
                          outcomes: report.outcomes, sends_per_day: sendsPerDay, suppressed: report.suppressed,
                          conversions: ConversionsView(report.conversions), deliveries: report.deliveries, tests: tests)
    }
}
