import Foundation
import Hummingbird
import Logging
import NIOCore

/// The far end of campaignd's `webhook` channels in an end-to-end test: a Hummingbird server on a loopback
/// port the system picks, recording every action POSTed to it. It answers 200, except 500 for the action
/// keys a test makes fail (until it lets them through again).
final class ActionReceiver: @unchecked Sendable {
    /// One POST as it arrived, with the status it was answered.
    struct Delivery: Sendable {
        var path: String
        var idempotencyKey: String?
        var signature: String?
        var body: [UInt8]
        var status: Int

        /// The body as JSON (empty when it is not an object).
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }

        /// The body's `key`, or "" without one.
        var key: String { json["key"] as? String ?? "" }

        /// The contact the action is about, read from the body.
        var contact: String { (json["contact"] as? [String: Any])?["id"] as? String ?? "" }

        var campaign: String { json["campaign"] as? String ?? "" }

        var isAcknowledged: Bool { (200..<300).contains(status) }
    }

    private let lock = NSLock()
    private var received: [Delivery] = []
    private var failing: Set<String> = []
    private var server: Task<Void, Never>?
    /// The port it listens on.
    private(set) var port = 0

    private init() {}

    /// Starts a receiver on 127.0.0.1; throws when the server does not come up.
    static func start() async throws -> ActionReceiver {
        let receiver = ActionReceiver()
        let router = Router()
        router.post("/{channel}") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            func header(_ name: String) -> String? {
                request.headers.first { $0.name.canonicalName == name.lowercased() }?.value
            }
            let status = receiver.record(path: request.uri.path, idempotencyKey: header("Idempotency-Key"),
                                         signature: header("Campaignc-Signature"), body: Array(buffer: body))
            return Response(status: .init(code: status))
        }
        var logger = Logger(label: "action-receiver")
        // Hummingbird logs the cancellation that stops the server as an error.
        logger.logLevel = .critical
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                      onServerRunning: { channel in
                                          listening.yield(channel.localAddress?.port ?? 0)
                                          listening.finish()
                                      },
                                      logger: logger)
        receiver.server = Task {
            try? await application.run()
            listening.finish()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            await receiver.stop()
            throw EndToEndError("the action receiver did not start listening")
        }
        receiver.locked { receiver.port = port }
        return receiver
    }

    /// The URL of `path` on this receiver.
    func url(_ path: String) -> String { "http://127.0.0.1:\(locked { port })\(path)" }

    /// Stops the server.
    func stop() async {
        let server = locked { self.server }
        server?.cancel()
        await server?.value
    }

    /// Answers 500 to the action with `key` from now on.
    func fail(_ key: String) { locked { _ = failing.insert(key) } }

    /// Answers 200 to the action with `key` again.
    func recover(_ key: String) { locked { _ = failing.remove(key) } }

    /// Every POST so far, in arrival order.
    var deliveries: [Delivery] { locked { received } }

    /// The POSTs of the action with `key`, in arrival order.
    func deliveries(of key: String) -> [Delivery] { deliveries.filter { $0.key == key } }

    /// The keys of the actions answered 2xx.
    var acknowledgedKeys: Set<String> { Set(deliveries.filter(\.isAcknowledged).map(\.key)) }

    private func record(path: String, idempotencyKey: String?, signature: String?, body: [UInt8]) -> Int {
        locked {
            var delivery = Delivery(path: path, idempotencyKey: idempotencyKey, signature: signature, body: body, status: 200)
            if failing.contains(delivery.key) { delivery.status = 500 }
            received.append(delivery)
            return delivery.status
        }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
