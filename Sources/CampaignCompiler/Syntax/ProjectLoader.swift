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
                filePaths += try yamlFiles(under: path).sorted()
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

    /// Every `.yaml` and `.yml` file under the folder `root`, walked recursively. A folder that cannot be
    /// listed (permissions, I/O) is an error naming it, never skipped: a check that silently leaves out
    /// files would pass, and `compile` would delete their generated code. A folder reached twice through
    /// symbolic links is walked once.
    static func yamlFiles(under root: String) throws(LoadError) -> [String] {
        let manager = FileManager.default
        var found: [String] = []
        var visited = Set<String>()
        var pending = [root]
        while let folder = pending.popLast() {
            guard visited.insert(URL(fileURLWithPath: folder).resolvingSymlinksInPath().path).inserted else { continue }
            let names: [String]
            do {
                names = try manager.contentsOfDirectory(atPath: folder)
            } catch {
                throw LoadError(description: "cannot read folder '\(folder)': \(reason(error))")
            }
            for name in names.sorted() {
                let path = (folder as NSString).appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                if manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                    pending.append(path)
                } else if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                    found.append(path)
                }
            }
        }
        return found
    }

    /// The system's words for why a file operation failed.
    private static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        return nsError.localizedDescription
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
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw LoadError(description: "cannot read '\(path)': \(reason(error))")
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
