import Foundation

/// Why the files to check could not be gathered (the command line exits with status 2).
public struct LoadError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Finds the files to check and the workspace on disk, and reads their bytes.
public enum ProjectLoader {
    /// The workspace file and the YAML files under `paths` (files or folders, walked recursively in sorted
    /// order). Paths are shown relative to `workingDirectory` when they lie under it.
    public static func load(paths: [String], workspace: String?,
                            workingDirectory: String = FileManager.default.currentDirectoryPath)
        throws(LoadError) -> (workspace: InputFile, files: [InputFile]) {
        let manager = FileManager.default
        var filePaths: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw LoadError(description: "no such file or folder: '\(path)'")
            }
            if isDirectory.boolValue {
                guard let enumerator = manager.enumerator(atPath: path) else {
                    throw LoadError(description: "cannot read folder '\(path)'")
                }
                let found = enumerator.compactMap { $0 as? String }
                    .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                    .map { (path as NSString).appendingPathComponent($0) }
                filePaths += found.sorted()
            } else {
                filePaths.append(path)
            }
        }
        let workspacePath: String
        if let workspace {
            workspacePath = workspace
        } else if let found = findWorkspace(near: paths.first ?? ".") {
            workspacePath = found
        } else {
            throw LoadError(description: "no workspace.yaml found beside '\(paths.first ?? ".")' or in a parent folder; pass --workspace FILE")
        }
        let workspaceFile = try readFile(workspacePath, workingDirectory: workingDirectory)
        var seen = Set<String>()
        var files: [InputFile] = []
        for path in filePaths {
            let file = try readFile(path, workingDirectory: workingDirectory)
            if seen.insert(file.path).inserted { files.append(file) }
        }
        return (workspaceFile, files)
    }

    /// `workspace.yaml` in the folder of `path` (or `path` itself when it is a folder) or its nearest ancestor.
    static func findWorkspace(near path: String) -> String? {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        var folder = URL(fileURLWithPath: path).standardizedFileURL
        if !(exists && isDirectory.boolValue) { folder.deleteLastPathComponent() }
        while true {
            let candidate = folder.appendingPathComponent("workspace.yaml").path
            if FileManager.default.fileExists(atPath: candidate) { return relativePath(candidate) }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }

    private static func readFile(_ path: String, workingDirectory: String) throws(LoadError) -> InputFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "cannot read '\(path)'")
        }
        return InputFile(path: relativePath(path, to: workingDirectory), bytes: [UInt8](data))
    }

    /// `path` relative to `base` when it lies under it, else as an absolute path; always with '/' separators.
    static func relativePath(_ path: String, to base: String = FileManager.default.currentDirectoryPath) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let root = URL(fileURLWithPath: base).standardizedFileURL.path
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
    }
}
