import ArgumentParser
import CampaignCompiler
import CampaignFlows
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `campaignc bundle`: writes what a deployment sends to the service.
struct Bundle: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the deployable bundle of checked campaigns: the workspace's schema and every version, lowered.",
        discussion: "Refuses to write while 'check' reports errors. The bundle is JSON, the same bytes for the same files.")

    @Argument(help: "Campaign files or folders (searched recursively).")
    var paths: [String] = ["campaigns"]

    @Option(help: ArgumentHelp("The workspace file.", valueName: "file"))
    var workspace: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write.", valueName: "file"))
    var output: String

    func run() throws {
        let data = try DeploymentRequest.bundle(paths: paths, workspace: workspace)
        do {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            FileHandle.standardError.write(Data("campaignc: error: cannot write '\(output)': \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// `campaignc plan`: what deploying the campaigns would change on a running service, changing nothing.
struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what deploying the campaigns would change on a campaignd server, without changing anything.",
        discussion: "Prints the versions added, the status changes and the contacts in flight in each version affected (markdown with --format markdown, for a pull request comment).")

    @OptionGroup var target: DeploymentRequest

    @Option(help: "text (default) or markdown.")
    var format: DeploymentPlan.Format = .text

    func run() async throws {
        let plan = try await target.send(dryRun: true)
        print(plan.render(format, applied: false), terminator: "")
    }
}

/// `campaignc deploy`: applies the campaigns to a running service, atomically.
struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy the campaigns to a campaignd server: all of it or nothing.",
        discussion: "The server refuses (and this exits 1) a deployment that changes a version already deployed or breaks a rule, such as two published versions of one campaign.")

    @OptionGroup var target: DeploymentRequest

    func run() async throws {
        let plan = try await target.send(dryRun: false)
        print(plan.render(.text, applied: true), terminator: "")
    }
}

/// The options `plan` and `deploy` share, and the request they make.
struct DeploymentRequest: ParsableArguments {
    @Argument(help: "Campaign files or folders (searched recursively).")
    var paths: [String] = ["campaigns"]

    @Option(help: ArgumentHelp("The workspace file.", valueName: "file"))
    var workspace: String?

    @Option(help: ArgumentHelp("The service's base URL, such as https://campaignd.example.com.", valueName: "url"))
    var server: String

    @Option(help: ArgumentHelp("The environment variable holding an admin token (none: no Authorization header).", valueName: "name"))
    var tokenEnv = "CAMPAIGND_OPS_TOKEN"

    /// The bundle's JSON, or exit 1 with the diagnostics when the campaigns have errors.
    static func bundle(paths: [String], workspace: String?) throws -> Data {
        let result = try CheckedProject.load(paths: paths, workspace: workspace)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(DeploymentBundle(result))
    }

    /// Posts the bundle to `/v1/deployments` and reads the plan; exits 1 with the server's problem when it
    /// refuses, 2 when it cannot be reached.
    func send(dryRun: Bool) async throws -> DeploymentPlan {
        let body = try Self.bundle(paths: paths, workspace: workspace)
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        guard let url = URL(string: base + "/v1/deployments" + (dryRun ? "?dry_run=true" : "")),
              url.scheme == "http" || url.scheme == "https" else {
            throw ValidationError("--server must be an http:// or https:// URL")
        }
        var request = URLRequest(url: url, timeoutInterval: 60)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token = ProcessInfo.processInfo.environment[tokenEnv], !token.isEmpty {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            FileHandle.standardError.write(Data("campaignc: error: cannot reach \(base): \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            let problem = (try? JSONDecoder().decode(Problem.self, from: data))
            let detail = problem.map { [$0.title, $0.detail].compactMap { $0 }.joined(separator: ": ") } ?? String(decoding: data.prefix(2_000), as: UTF8.self)
            FileHandle.standardError.write(Data("campaignc: error: the server refused the deployment (\(status)): \(detail)\n".utf8))
            throw ExitCode(1)
        }
        do {
            return try JSONDecoder().decode(DeploymentPlan.self, from: data)
        } catch {
            FileHandle.standardError.write(Data("campaignc: error: the server's answer is not a deployment plan\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The parts of an `application/problem+json` answer that are printed.
    struct Problem: Decodable {
        var title: String?
        var detail: String?
    }
}

extension DeploymentPlan {
    /// How `plan` prints: text for a terminal, markdown for a pull request comment.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, markdown
    }

    /// The plan as lines: `+` a version added, `~` a status change with the contacts in flight.
    func render(_ format: Format, applied: Bool) -> String {
        var lines: [String] = []
        let bullet = format == .markdown ? "- " : ""
        let code = format == .markdown ? "`" : ""
        if format == .markdown { lines.append("### campaignd deployment plan") }
        for added in versionsAdded {
            lines.append("\(bullet)+ \(code)\(added.campaign) v\(added.version)\(code) added, \(added.status.rawValue) (\(added.source))")
        }
        for change in statusChanges {
            let contacts = change.contactsInFlight == 1 ? "1 contact" : "\(change.contactsInFlight) contacts"
            lines.append("\(bullet)~ \(code)\(change.campaign) v\(change.version)\(code) \(change.from?.rawValue ?? "none") -> \(change.to.rawValue), \(contacts) in flight")
        }
        if versionsAdded.isEmpty && statusChanges.isEmpty { lines.append("\(bullet)no changes") }
        let total = versionsAdded.count + statusChanges.count
        lines.append(applied ? "campaignd: deployed, \(total) changes, \(unchanged) versions unchanged"
                             : "campaignd: \(total) changes to deploy, \(unchanged) versions unchanged")
        return lines.joined(separator: "\n") + "\n"
    }
}
