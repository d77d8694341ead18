import Yams

/// Reads one file's bytes into a positioned ``YAMLNode`` tree, or explains why it cannot.
///
/// The order is: size limit, LibYAML prescan (syntax, anchors, aliases, depth, duplicate keys), then
/// `Yams.compose`. Nothing here throws or traps on any input.
public enum YAMLReader {
    /// The root node (nil for an empty document) and the problems found on the way.
    public static func read(_ bytes: [UInt8], path: String) -> (root: YAMLNode?, diagnostics: [Diagnostic]) {
        if bytes.count > ReadingLimits.maximumFileBytes {
            return (nil, [Diagnostic(
                .yamlSyntax, "the file is \(bytes.count) bytes; campaign files are limited to 1 MiB",
                at: .start(of: path))])
        }
        // LibYAML skips a byte order mark only when it detects the encoding itself; the prescan sets UTF-8, so
        // the mark would become a character at column 1 (and the first key would look indented).
        let bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        let problems = YAMLPrescan(file: path).scan(bytes)
        if !problems.isEmpty { return (nil, problems) }
        do {
            // The basic resolver: the readers interpret scalars themselves, and regex tag resolution is most of compose's time.
            guard let node = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self), .basic) else { return (nil, []) }
            return (try YAMLNode(node, file: path), [])
        } catch let error as YAMLShapeError {
            return (nil, [Diagnostic(.wrongType, error.message, at: error.location)])
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return (nil, [Diagnostic(.duplicateKey, "duplicate key \(keys)",
                                     at: SourceLocation(file: path, line: context.mark.line, column: context.mark.column))])
        } catch {
            return (nil, [Diagnostic(.yamlSyntax, "invalid YAML: \(composeProblem(error))", at: .start(of: path))])
        }
    }

    /// Yams' error descriptions embed the whole document; keep only the problem.
    private static func composeProblem(_ error: any Error) -> String {
        switch error {
        case let YamlError.scanner(_, problem, _, _), let YamlError.parser(_, problem, _, _),
             let YamlError.composer(_, problem, _, _):
            return problem
        default:
            return "the document could not be composed"
        }
    }
}
