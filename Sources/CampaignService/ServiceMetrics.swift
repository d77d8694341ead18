import CampaignFlows
import CampaignRuntime
import CoreMetrics
import Foundation
import Prometheus

/// The service's metrics, in a registry of its own (so that several services in one process, as in tests,
/// keep apart), recorded through swift-metrics and written in Prometheus' text format.
///
/// Counters and latencies are recorded as work happens; the outbox and timer gauges are read from the
/// store when `/metrics` is scraped.
final class ServiceMetrics: Sendable {
    /// The kinds of unit the service runs, as the `kind` label says them.
    enum UnitKind: String, CaseIterable {
        case event, timer, contact, fire, approval, status
    }

    private let registry = PrometheusCollectorRegistry()
    private let eventsAccepted: CoreMetrics.Counter
    private let unitCounters: [UnitKind: CoreMetrics.Counter]
    private let unitDurations: [UnitKind: CoreMetrics.Timer]
    private let outboxPending: CoreMetrics.Gauge
    private let outboxRetrying: CoreMetrics.Gauge
    private let outboxDead: CoreMetrics.Gauge
    private let timerOverdue: CoreMetrics.Gauge
    private let timersPending: CoreMetrics.Gauge
    private let timersOverdue: CoreMetrics.Gauge
    private let inboxDepth: CoreMetrics.Gauge
    private let campaignVersions: CoreMetrics.Gauge

    init() {
        let factory = PrometheusMetricsFactory(registry: registry)
        eventsAccepted = CoreMetrics.Counter(label: "campaignd_events_accepted_total", factory: factory)
        unitCounters = Dictionary(uniqueKeysWithValues: UnitKind.allCases.map {
            ($0, CoreMetrics.Counter(label: "campaignd_units_processed_total", dimensions: [("kind", $0.rawValue)], factory: factory))
        })
        unitDurations = Dictionary(uniqueKeysWithValues: UnitKind.allCases.map {
            ($0, CoreMetrics.Timer(label: "campaignd_unit_duration_seconds", dimensions: [("kind", $0.rawValue)], factory: factory))
        })
        outboxPending = CoreMetrics.Gauge(label: "campaignd_outbox_actions", dimensions: [("state", "pending")], factory: factory)
        outboxRetrying = CoreMetrics.Gauge(label: "campaignd_outbox_actions", dimensions: [("state", "retrying")], factory: factory)
        outboxDead = CoreMetrics.Gauge(label: "campaignd_outbox_actions", dimensions: [("state", "dead")], factory: factory)
        timerOverdue = CoreMetrics.Gauge(label: "campaignd_timer_overdue_seconds", factory: factory)
        timersPending = CoreMetrics.Gauge(label: "campaignd_timers", dimensions: [("state", "pending")], factory: factory)
        timersOverdue = CoreMetrics.Gauge(label: "campaignd_timers", dimensions: [("state", "overdue")], factory: factory)
        inboxDepth = CoreMetrics.Gauge(label: "campaignd_inbox_events", factory: factory)
        campaignVersions = CoreMetrics.Gauge(label: "campaignd_campaign_versions", factory: factory)
    }

    /// Counts events accepted with 202.
    func accepted(events count: Int) {
        eventsAccepted.increment(by: count)
    }

    /// Runs `work` as one unit of `kind`, counting it and recording its latency.
    @discardableResult
    func unit<T>(_ kind: UnitKind, _ work: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { recordUnit(kind, since: start) }
        return try await work()
    }

    /// Counts `count` units of `kind` run one after the other since `start`, each with the mean latency.
    func recordUnits(_ kind: UnitKind, count: Int, since start: ContinuousClock.Instant) {
        let each = Int64((ContinuousClock.now - start) / .nanoseconds(1)) / Int64(max(1, count))
        unitCounters[kind]?.increment(by: count)
        for _ in 0..<count { unitDurations[kind]?.recordNanoseconds(each) }
    }

    /// Counts a unit of `kind` that started at `start` and has just finished.
    func recordUnit(_ kind: UnitKind, since start: ContinuousClock.Instant) {
        unitCounters[kind]?.increment()
        unitDurations[kind]?.recordNanoseconds(Int64((ContinuousClock.now - start) / .nanoseconds(1)))
    }

    /// The Prometheus text, after reading the outbox, the timers and the inbox from the store: actions waiting
    /// for their first attempt, failed ones waiting for a retry, dead ones; timers pending and overdue, and
    /// how late the earliest is (0 when none is overdue); accepted events not processed yet.
    func scrape(store: any CampaignStore, flows: [FlowKey], now: Double) async throws -> String {
        let total = try await store.outboxDepth()
        let timers = try await store.timerCounts(overdueAt: now)
        timersPending.record(timers.pending)
        timersOverdue.record(timers.overdue)
        inboxDepth.record(try await store.inboxDepth())
        outboxPending.record(total.pending)
        outboxRetrying.record(total.failed)
        outboxDead.record(total.dead)
        let next = try await store.nextTimerDue()
        timerOverdue.record(max(0, now - (next ?? now)))
        campaignVersions.record(flows.count)
        return registry.emitToString()
    }
}
