import CampaignFlows
import CampaignRuntime
import Foundation
import Hummingbird

/// `POST /v1/deployments`: a bundle from `campaignc bundle`, planned (`?dry_run=true`) or applied at once.
enum DeploymentRoutes {
    static func add(to table: inout RouteTable, _ core: ServiceCore) {
        table.add(.post, "/v1/deployments", scope: .admin) { request, _ in
            let dryRun: Bool
            switch request.uri.queryParameters.get("dry_run") {
            case nil, "false": dryRun = false
            case "true": dryRun = true
            case let other?:
                throw Problem.invalidInput([.init(pointer: "", detail: "dry_run must be true or false, found '\(other)'")])
            }
            let body = try await RequestReading.bytes(of: request)
            let bundle: DeploymentBundle
            do {
                bundle = try JSONDecoder().decode(DeploymentBundle.self, from: Data(buffer: body))
            } catch {
                throw Problem.invalidInput([.init(pointer: "", detail: "not a bundle written by 'campaignc bundle': \(RequestReading.reason(error))")])
            }
            guard bundle.format == DeploymentBundle.currentFormat else {
                throw Problem.invalidInput([.init(pointer: "/format", detail: "bundle format \(bundle.format) is not \(DeploymentBundle.currentFormat); deploy it with a campaignc of this service's version")])
            }
            let schema = bundle.workspace.merged(over: core.schema)
            let plan = try await core.engine.deploy(bundle.campaigns, schema: schema, apply: !dryRun)
            if plan.applied {
                let added = Set(plan.versionsAdded.map { FlowKey(campaign: $0.campaign, version: $0.version) })
                core.catalog.add(bundle.campaigns.filter { added.contains(FlowKey(campaign: $0.campaign, version: $0.version)) }, schema: schema)
                core.logger.info("deployed", metadata: ["added": "\(plan.versionsAdded.count)", "status changes": "\(plan.statusChanges.count)"])
            }
            return try JSONResponse.make(plan)
        }
    }
}

extension WorkspaceSchema {
    /// This schema with what `older` declares and this one does not: a deployment adds fields and events,
    /// and a restart with a newer folder keeps what was deployed since. The contact-pressure policies are
    /// the workspace's as a whole: this schema's (none when it declares none).
    func merged(over older: WorkspaceSchema) -> WorkspaceSchema {
        WorkspaceSchema(fields: older.fields.merging(fields) { $1 }, events: older.events.merging(events) { $1 },
                        groups: Array(Set(older.groups).union(groups)), personas: Array(Set(older.personas).union(personas)),
                        policies: policies)
    }
}
