import Foundation

/// How a generated flow carries its lowered form: as JSON text in string literals, decoded once at first
/// use, rather than as one nested Swift expression that the compiler would have to type-check (a 1,000-step
/// literal took 40 s and 4.5 GB to type-check; text costs nothing to compile).
///
/// The text is printable ASCII only (every other scalar is a `\u` escape of JSON's own), so it needs no
/// escaping beyond a raw string's delimiters and no campaign text can reach a reader unescaped. The
/// definition without its states is one line; the states follow one per line, so a generated file reads
/// state by state. Infinities and NaN, which JSON lacks, are written as the strings `+Infinity`,
/// `-Infinity` and `NaN` where a number is expected, so every definition round-trips exactly.
public enum EmbeddedFlowDefinition {
    /// The two texts a generated file embeds for `definition`: the definition with no states, and one line
    /// per state, in order.
    public static func encode(_ definition: FlowDefinition) throws -> (definition: String, states: [String]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var header = definition
        header.states = []
        return (try ascii(encoder.encode(header)), try definition.states.map { try ascii(encoder.encode($0)) })
    }

    /// The definition `encode` wrote: `states` holds its lines joined by newlines.
    public static func decode(definition: String, states: String) throws -> FlowDefinition {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var result = try decoder.decode(FlowDefinition.self, from: Data(definition.utf8))
        let lines = states.split(separator: "\n", omittingEmptySubsequences: true)
        result.states = try decoder.decode([FlowState].self, from: Data(("[" + lines.joined(separator: ",") + "]").utf8))
        return result
    }

    /// What a generated flow's `lowered` holds: the definition `encode` wrote for the flow named `flow`. The
    /// texts come from `campaignc compile`, which decodes them before writing them; a file edited by hand
    /// or compiled against a runtime whose lowered form differs stops the program with what to do.
    public static func load(_ flow: String, definition: String, states: String) -> FlowDefinition {
        do {
            return try decode(definition: definition, states: states)
        } catch {
            fatalError("the lowered form embedded in \(flow) does not decode (\(error)): regenerate it with `campaignc compile`")
        }
    }

    /// `json` with every scalar outside printable ASCII written as a JSON `\u` escape (UTF-16, so two
    /// escapes beyond the Basic Multilingual Plane). Outside strings JSON text is ASCII already, and inside
    /// them JSONEncoder has escaped the control characters, so only strings' contents change.
    private static func ascii(_ json: Data) -> String {
        var result = ""
        result.reserveCapacity(json.count)
        for scalar in String(decoding: json, as: UTF8.self).unicodeScalars {
            if (0x20..<0x7F).contains(scalar.value) {
                result.unicodeScalars.append(scalar)
                continue
            }
            for unit in String(scalar).utf16 {
                let hex = String(unit, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return result
    }
}
