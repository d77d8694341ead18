import CampaignCompiler
import CampaignFlows
import Foundation

/// How the service reads and writes values of the workspace's types in JSON. A host package that runs flows
/// compiled by the build plugin reads its schema with ``load(workspaceFile:)``.
extension WorkspaceSchema {
    /// Reads and checks a `workspace.yaml` as `campaignc check` does; throws ``StartupError`` with the
    /// diagnostics when it has errors.
    public static func load(workspaceFile path: String) throws -> WorkspaceSchema {
        try CampaignsFolder.check(paths: [], workspace: path).workspace.schema
    }

    /// The members a contact body may have besides the workspace's fields.
    static let membershipMembers = ["groups", "personas"]

    // MARK: JSON to values

    /// `json` as a value of `type`, or nil after recording why it is not one. `null` is the absent value of
    /// any field.
    static func value(_ json: JSONValue, as type: ValueType, allowed: [String]? = nil, at pointer: String,
                      _ problems: inout InputProblems) -> Value? {
        func mismatch(_ expected: String) -> Value? {
            problems.add(pointer, "must be \(expected), found \(json.kindDescription)")
            return nil
        }
        switch (type, json) {
        case (_, .null):
            return .null
        case (.string, .string(let text)):
            if let allowed, !allowed.contains(text) {
                problems.add(pointer, "'\(text)' is not one of the allowed values (\(allowed.joined(separator: ", ")))")
                return nil
            }
            return .string(text)
        case (.int, .integer(let number)):
            return .int(number)
        case (.decimal, .integer(let number)):
            return .decimal(Double(number))
        case (.decimal, .number(let number)):
            return .decimal(number)
        case (.bool, .bool(let flag)):
            return .bool(flag)
        case (.date, .string(let text)):
            guard let date = CalendarDateTime.parse(text), !date.hasTime else {
                problems.add(pointer, "must be a date (YYYY-MM-DD), found '\(text)'")
                return nil
            }
            return .instant(Double(date.wallTime))
        case (.datetime, .string(let text)):
            guard let instant = InstantText.parse(text) else {
                problems.add(pointer, "must be a date-time with an offset (as 2026-03-02T12:00:00Z), found '\(text)'")
                return nil
            }
            return .instant(instant)
        case (.duration, .string(let text)):
            guard let duration = CampaignDuration(parsing: text) else {
                problems.add(pointer, "must be a duration (as 2h30m), found '\(text)'")
                return nil
            }
            return .duration(duration.seconds)
        case (.duration, .integer(let seconds)):
            return .duration(seconds)
        case (.list(let element), .array(let items)):
            var values: [Value] = []
            var valid = true
            for (index, item) in items.enumerated() {
                if case .null = item {
                    problems.add(JSONPointer.appending(index, to: pointer), "must not be null")
                    valid = false
                } else if let value = Self.value(item, as: element, allowed: allowed, at: JSONPointer.appending(index, to: pointer), &problems) {
                    values.append(value)
                } else {
                    valid = false
                }
            }
            return valid ? .list(values) : nil
        case (.string, _): return mismatch("a string")
        case (.int, _): return mismatch("an integer")
        case (.decimal, _): return mismatch("a number")
        case (.bool, _): return mismatch("a boolean")
        case (.date, _): return mismatch("a date string")
        case (.datetime, _): return mismatch("a date-time string")
        case (.duration, _): return mismatch("a duration string or a number of seconds")
        case (.list(let element), _): return mismatch("an array of \(element)")
        case (.null, _): return mismatch("null")
        }
    }

    // MARK: Values to JSON

    /// A value as the API shows it: a `date` field as `YYYY-MM-DD`, other instants as RFC 3339 in UTC,
    /// durations as `2h30m`.
    static func json(_ value: Value, as type: ValueType? = nil) -> JSONValue {
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .integer(number)
        case .decimal(let number): return .number(number)
        case .string(let text): return .string(text)
        case .instant(let instant):
            if type == .date || type == .list(.date) { return .string(String(InstantText.format(instant).prefix(10))) }
            return .string(InstantText.format(instant))
        case .duration(let seconds): return .string(CampaignDuration(seconds: seconds).description)
        case .list(let items):
            return .array(items.map { json($0, as: type) })
        }
    }
}
