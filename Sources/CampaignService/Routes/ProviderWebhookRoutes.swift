import AsyncHTTPClient
import CampaignProviders
import CampaignFlows
import CampaignRuntime
import Foundation
import Hummingbird

/// `POST /v1/webhooks/{provider}`: a provider's own payload, verified as the provider documents, mapped to
/// message events and attached to the send whose `campaignc_key` it carries. Each provider event is
/// accepted once, under its provider's event id.
enum ProviderWebhookRoutes {
    struct Receipt: Encodable {
        /// Events stored for processing.
        var accepted: Int
        /// Events with no `campaignc_key`, a key the service did not write, or a contact that no longer
        /// exists: nothing to attach them to.
        var skipped: Int
    }

    static func add(to table: inout RouteTable, _ core: ServiceCore, webhooks: [String: any ProviderWebhook]) {
        table.add(.post, "/v1/webhooks/{provider}", scope: nil) { request, context in
            let name = context.parameters.get("provider") ?? ""
            guard let webhook = webhooks[name] else {
                throw Problem.notFound("no '\(name)' webhook is configured (campaignd.yaml, webhooks:)")
            }
            let body = try await RequestReading.bytes(of: request)
            let providerRequest = ProviderRequest(
                headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) },
                body: Array(buffer: body), now: Date().timeIntervalSince1970)
            let receipt: ProviderReceipt
            do throws(ProviderWebhookError) {
                receipt = try webhook.receive(providerRequest)
            } catch {
                switch error {
                case .unauthorized(let reason):
                    throw Problem("unauthorized", status: .unauthorized, detail: "the \(name) signature does not verify: \(reason)")
                case .malformed(let reason):
                    throw Problem.invalidInput([.init(pointer: "", detail: "not a \(name) webhook payload: \(reason)")])
                }
            }
            switch receipt {
            case .subscriptionConfirmation(let url):
                try await confirm(url, core)
                return try JSONResponse.make(Receipt(accepted: 0, skipped: 0))
            case .events(let events):
                var (accepted, skipped) = attach(events, core)
                while true {
                    do {
                        try await core.intake.submit(accepted, source: "webhook:\(name):")
                        break
                    } catch StoreError.unknownContacts(let contacts) {
                        // Sends to contacts erased since (or never created): nothing to attach them to.
                        let gone = Set(contacts)
                        let kept = accepted.filter { !gone.contains($0.contact) }
                        skipped += accepted.count - kept.count
                        accepted = kept
                    }
                }
                return try JSONResponse.make(Receipt(accepted: accepted.count, skipped: skipped))
            }
        }
    }

    /// The provider events as message events about the sends they name, and how many name none. Whether the
    /// contacts still exist is left to the inbox's commit.
    static func attach(_ events: [ProviderEvent], _ core: ServiceCore) -> ([SubmittedEvent], Int) {
        var accepted: [SubmittedEvent] = []
        var skipped = 0
        let now = core.now
        for event in events {
            guard let text = event.sendKey, let key = IdempotencyKey(parsing: text),
                  let definition = core.definitions[key.visit.flow], let declared = core.schema.events[event.event] else {
                skipped += 1
                continue
            }
            var payload = event.payload.filter { declared[$0.key] != nil }
            payload["campaign"] = .string(key.visit.flow.campaign)
            payload["step"] = .string(key.stepID)
            if case .send(_, let message, _, _, _)? = definition.states.first(where: { $0.id == key.stepID })?.step {
                payload["message"] = .string(message)
            }
            // A provider's time is its own clock's: never later than the service's.
            let at = min(now, event.occurredAt ?? now)
            accepted.append(SubmittedEvent(id: event.providerEventID, contact: key.visit.contact, event: event.event, at: at, payload: payload))
        }
        return (accepted, skipped)
    }

    /// Confirms an Amazon SNS subscription by fetching its `SubscribeURL`, as SNS documents.
    static func confirm(_ url: String, _ core: ServiceCore) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard (200..<300).contains(response.status.code) else {
            throw Problem("subscription-not-confirmed", status: .badGateway,
                          detail: "Amazon SNS answered \(response.status.code) to the subscription confirmation")
        }
        core.logger.info("confirmed the Amazon SNS subscription", metadata: ["url": "\(url)"])
    }
}
