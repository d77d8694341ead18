import CampaignFlows
import Foundation

/// Checks a YAML value written for a contact field (an `update_contact` value, a scenario contact or
/// expected field) against the field's type and declared values.
enum FieldValueChecker {
    static func check(_ value: YAMLNode, for field: Workspace.Field, into diagnostics: inout DiagnosticCollector) {
        let name = field.name.value
        switch (value, field.type) {
        case (.scalar(let scalar), _) where scalar.isNull:
            return
        case (.sequence(let items, _), .list(let element)):
            for item in items {
                guard case .scalar(let scalar) = item, fits(scalar, element) else {
                    diagnostics.emit(.typeMismatch, "each item of contact field '\(name)' must be a \(element)", at: item.location)
                    continue
                }
            }
        case (.scalar(let scalar), let type) where !type.isList:
            guard fits(scalar, type) else {
                diagnostics.emit(.typeMismatch, "contact field '\(name)' is a \(type), but '\(scalar.text)' is not", at: scalar.location)
                return
            }
            if let allowed = field.allowedValues, !allowed.contains(scalar.text) {
                diagnostics.emit(.valueNotAllowed, "'\(scalar.text)' is not a value of contact field '\(name)' (\(allowed.joined(separator: ", ")))"
                                 + Suggestions.didYouMean(scalar.text, in: allowed), at: scalar.location)
            }
        default:
            diagnostics.emit(.typeMismatch, "contact field '\(name)' is a \(field.type), found \(value.shapeDescription)", at: value.location)
        }
    }

    /// The value a YAML value written for a field of `type` stands for, dates and date-times read in `zone`
    /// when they have no offset: nil when it is not one, which ``check(_:for:into:)`` reports.
    static func value(_ node: YAMLNode, as type: ValueType, zone: TimeZone) -> Value? {
        switch (node, type) {
        case (.scalar(let scalar), _) where scalar.isNull:
            return .null
        case (.scalar(let scalar), let type) where !type.isList:
            return value(scalar, as: type, zone: zone)
        case (.sequence(let items, _), .list(let element)):
            var values: [Value] = []
            for item in items {
                guard case .scalar(let scalar) = item,
                      let value = scalar.isNull ? .null : value(scalar, as: element, zone: zone) else { return nil }
                values.append(value)
            }
            return .list(values)
        default:
            return nil
        }
    }

    /// The value of a scalar read as `type`, nil when it is not one.
    static func value(_ scalar: YAMLScalar, as type: ValueType, zone: TimeZone) -> Value? {
        switch type {
        case .string: .string(scalar.text)
        case .int: scalar.int.map(Value.int)
        case .decimal: scalar.number.map(Value.decimal)
        case .bool: scalar.bool.map(Value.bool)
        case .date, .datetime: Value.parseInstant(scalar.text, timeZone: zone).map(Value.instant)
        case .duration: CampaignDuration(parsing: scalar.text).map { .duration($0.seconds) }
        case .list, .null: nil
        }
    }

    /// Whether a scalar can be read as a value of `type`; any scalar is text, plain ones may be typed.
    private static func fits(_ scalar: YAMLScalar, _ type: ValueType) -> Bool {
        switch type {
        case .string: return true
        case .int: return scalar.int != nil
        case .decimal: return scalar.number != nil
        case .bool: return scalar.bool != nil
        case .date: return CalendarText.isDate(Substring(scalar.text))
        case .datetime: return CalendarText.isDateTime(scalar.text)
        case .duration: return CampaignDuration(parsing: scalar.text) != nil
        case .list, .null: return false
        }
    }
}
