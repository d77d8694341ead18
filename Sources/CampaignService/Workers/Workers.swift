import CampaignFlows
import CampaignRuntime
import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Runs due timers and schedule and date firings on the system clock, each at its own instant, until the
/// service shuts down gracefully (finishing the unit in flight). It also takes up the versions another
/// process deployed on a shared database, within a poll interval.
struct TimerWorker: Service {
    let engine: CampaignEngine
    let catalog: Catalog
    let clock: any CampaignClock
    let metrics: ServiceMetrics
    let logger: Logger
    /// The longest sleep between two looks: events may add timers due sooner than the earliest one seen.
    let pollInterval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            var sleep = pollInterval
            do {
                let adopted = try await engine.adoptDeployments()
                if !adopted.isEmpty, let deployed = try await engine.store.deployments() {
                    catalog.add(adopted, schema: catalog.read { deployed.schema.merged(over: $0.schema) })
                    logger.info("running versions deployed by another process", metadata: ["versions": "\(adopted.count)"])
                }
                try await runDueWork(engine: engine, metrics: metrics, upTo: clock.now)
                if let next = try await engine.nextWakeUp() {
                    let wait = max(0.01, next - clock.now)
                    sleep = min(pollInterval, .milliseconds(Int64(min(wait, 86_400) * 1_000)))
                }
            } catch {
                logger.error("running due timers failed; trying again", metadata: ["error": "\(error)"])
            }
            let pause = sleep
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }
}

/// Delivers the outbox through the channels with the engine's ``OutboxDispatcher`` until the service shuts
/// down gracefully (finishing the deliveries in flight).
struct OutboxWorker: Service {
    let dispatcher: OutboxDispatcher
    let logger: Logger
    let pollInterval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await dispatcher.deliverDue()
            } catch {
                logger.error("delivering the outbox failed; trying again", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) }
        }
    }
}

/// Processes the events the API and the provider webhooks accepted, in acceptance order, as soon as they
/// arrive (and every `pollInterval`, for events another process accepted), until the service shuts down
/// gracefully (finishing the unit in flight). On a virtual clock it first catches up with the time another
/// process sharing the database may have moved it to.
struct InboxWorker: Service {
    let core: ServiceCore
    let engine: CampaignEngine
    let intake: EventIntake
    let metrics: ServiceMetrics
    let logger: Logger
    let pollInterval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await core.catchUpVirtualClock()
                try await processInbox(engine: engine, metrics: metrics)
            } catch {
                logger.error("processing accepted events failed; trying again", metadata: ["error": "\(error)"])
            }
            await cancelWhenGracefulShutdown { await intake.arrivals.wait(upTo: pollInterval) }
        }
    }
}

/// Wakes one waiting worker: a ring while nobody waits is kept for the next wait. Every accepted request rings,
/// so a ring takes a lock rather than a hop to an actor.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())

    func ring() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next ring (at once if one came since the last wait), or after `timeout`, or when the
    /// task is cancelled. One worker waits at a time.
    func wait(upTo timeout: Duration) async {
        if takeRing() { return }
        let alarm = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.ring()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // A ring may have come between the check above and now (the alarm, a cancellation).
                let rung = state.withLockedValue { state -> Bool in
                    guard !state.rung else {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if rung { continuation.resume() }
            }
        } onCancel: {
            alarm.cancel()
            ring()
        }
        alarm.cancel()
    }

    /// Whether a ring came since the last wait, forgetting it.
    private func takeRing() -> Bool {
        state.withLockedValue { state in
            defer { state.rung = false }
            return state.rung
        }
    }
}
