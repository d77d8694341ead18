import Foundation

/// Runs `scripts/validate_schemas.py` (Python's `jsonschema`) and returns its verdicts by file.
enum SchemaValidator {
    static func validate(_ arguments: [String]) throws -> [String: [String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Fixtures.repository.appendingPathComponent("scripts/validate_schemas.py").path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationFailure(description: "validate_schemas.py exited with \(process.terminationStatus)")
        }
        return try JSONDecoder().decode([String: [String]].self, from: data)
    }

    struct ValidationFailure: Error, CustomStringConvertible {
        var description: String
    }
}
