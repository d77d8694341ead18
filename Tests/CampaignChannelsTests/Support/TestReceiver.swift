import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A webhook receiver on a loopback port of its own: it records every request and answers as a test tells
/// it, failing on purpose when asked.
final class TestReceiver: @unchecked Sendable {
    /// How the receiver answers one request.
    enum Answer: Sendable, Equatable {
        case status(Int)
        /// Never answers, leaving the connection open: the sender's timeout must end the attempt.
        case silence
    }

    /// One request as it arrived.
    struct Request: Sendable {
        var method: HTTPMethod
        var path: String
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    private let lock = NSLock()
    private var answers: [Answer]
    private let otherwise: Answer
    private var received: [Request] = []
    private var connections: [any Channel] = []
    private var server: (any Channel)?

    /// A receiver that gives `answers` to the first requests in order, then `otherwise` to every later one.
    private init(answers: [Answer], otherwise: Answer) {
        self.answers = answers
        self.otherwise = otherwise
    }

    /// Starts a receiver on 127.0.0.1, on a port the system picks.
    static func start(answers: [Answer] = [], otherwise: Answer = .status(200)) async throws -> TestReceiver {
        let receiver = TestReceiver(answers: answers, otherwise: otherwise)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                receiver.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RecordingHandler(receiver: receiver))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        receiver.locked { receiver.server = server }
        return receiver
    }

    /// The receiver's URL for `path` (which starts with a slash).
    func url(_ path: String) throws -> URL {
        guard let port = locked({ server?.localAddress?.port }), let url = URL(string: "http://127.0.0.1:\(port)\(path)") else {
            throw ReceiverError.noAddress(path)
        }
        return url
    }

    /// Every request so far, in arrival order.
    var requests: [Request] { locked { received } }

    /// Closes the listening socket and every connection, the silent ones included.
    func stop() async throws {
        let (server, connections) = locked { (self.server, self.connections) }
        for connection in connections { connection.close(promise: nil) }
        try await server?.close()
    }

    fileprivate func record(_ request: Request) -> Answer {
        locked {
            received.append(request)
            return answers.isEmpty ? otherwise : answers.removeFirst()
        }
    }

    private func track(_ connection: any Channel) {
        locked { connections.append(connection) }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

/// The receiver has no address for a URL (it is not listening, or the path is not a URL path).
enum ReceiverError: Error {
    case noAddress(String)
}

/// Gathers one request's parts, records it and writes the answer the receiver gives.
private final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let receiver: TestReceiver
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(receiver: TestReceiver) {
        self.receiver = receiver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let answer = receiver.record(.init(method: head.method, path: head.uri, headers: head.headers, body: body))
            guard case .status(let code) = answer else { return }
            let response = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: code),
                                            headers: ["Content-Length": "0"])
            context.write(wrapOutboundOut(.head(response)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
