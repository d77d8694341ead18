// `campaignd-baseline PORT`: the HTTP stack's own limit on this machine, for the service benchmark
// (`scripts/bench-service`). One Hummingbird route, `POST /v1/events`, answers a constant 202 without reading
// or storing anything, under the same application configuration as `campaignd` (address, server name, the
// default Hummingbird settings otherwise), so that the difference between the two is campaignd's own work.
import Foundation
import Hummingbird

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 1, let port = arguments.first.flatMap({ Int($0) }), (1...65_535).contains(port) else {
    FileHandle.standardError.write(Data("usage: campaignd-baseline PORT (listens on 127.0.0.1:PORT)\n".utf8))
    exit(2)
}

let accepted = ByteBuffer(string: #"{"accepted":1}"#)
let router = Router()
router.post("/v1/events") { _, _ in
    Response(status: .accepted, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: accepted))
}
let application = Application(
    router: router,
    configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port), serverName: "campaignd"),
    onServerRunning: { _ in FileHandle.standardOutput.write(Data("campaignd-baseline: listening on http://127.0.0.1:\(port)\n".utf8)) }
)
try await application.runService()
