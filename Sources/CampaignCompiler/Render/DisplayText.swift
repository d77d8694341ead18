/// Text taken from campaign files, made safe to print on a terminal or in a CI log: every control
/// character, line or paragraph separator and bidi control is shown as a visible escape (`\n`, `\r`, `\t`,
/// `\u{1B}`), so no name can move the cursor, ring the bell, reorder what a reader sees, start a new line or
/// forge a GitHub workflow command (`::error ...`) at the start of one.
enum DisplayText {
    /// Whether `scalar` is printed as an escape: C0 and C1 controls (NEL among them), DEL, U+2028 and U+2029,
    /// and every format character except the zero-width joiners that emoji sequences need (so the bidi
    /// embeddings, overrides, isolates and marks are all escaped).
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { return true }
        if scalar.isASCII { return false }
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator, .surrogate: return true
        case .format: return scalar.value != 0x200C && scalar.value != 0x200D
        default: return false
        }
    }

    /// The visible form of one scalar that needs escaping.
    static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": "\\n"
        case "\r": "\\r"
        case "\t": "\\t"
        default: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        }
    }

    /// `text` on one line with every unsafe scalar escaped; a line that would start with `::` (a workflow
    /// command) gets its first colon escaped.
    static func safe(_ text: some StringProtocol) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return neutralizingWorkflowCommand(String(text)) }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                result += escape(scalar)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return neutralizingWorkflowCommand(result)
    }

    /// `line` with its first colon escaped when, after leading blanks, it starts with `::`: GitHub's runner
    /// reads such a line of a job's log as a workflow command.
    static func neutralizingWorkflowCommand(_ line: String) -> String {
        let trimmed = line.drop { $0 == " " }
        guard trimmed.hasPrefix("::") else { return line }
        return String(line[..<trimmed.startIndex]) + "\\u{3A}" + trimmed.dropFirst()
    }
}

/// A bounded window of one source line around a column, made safe to print, with the caret line under it.
/// However long the line, the excerpt holds at most ``maximumScalars`` of its scalars, with `…` where the
/// line was cut.
struct SourceExcerpt {
    /// How many scalars of the line an excerpt shows at most.
    static let maximumScalars = 120
    /// How many of them come before the column, when the line is cut.
    static let scalarsBefore = 40

    var line: String
    var caret: String

    /// The excerpt of `scalars` (one line, without its break) at 1-based `column`, where `columnIndex` is
    /// the index of that column in `scalars` (or its end when the column lies past it).
    init(_ scalars: Substring.UnicodeScalarView, columnIndex: Substring.UnicodeScalarView.Index) {
        var start = columnIndex
        var before = 0
        while before < Self.scalarsBefore, start > scalars.startIndex {
            scalars.formIndex(before: &start)
            before += 1
        }
        var end = columnIndex
        var after = 0
        while before + after < Self.maximumScalars, end < scalars.endIndex {
            scalars.formIndex(after: &end)
            after += 1
        }
        var text = start > scalars.startIndex ? "…" : ""
        var caret = start > scalars.startIndex ? " " : ""
        let window = scalars[start..<end]
        // Most excerpts need no escape and hold no tab: copied whole (scalar by scalar, rendering 28,000
        // warnings spent a tenth of its time here).
        var index = window.contains(where: DisplayText.needsEscape) ? start : end
        if index == end {
            text += Substring(window)
            caret += String(repeating: " ", count: before)
        }
        while index < end {
            let scalar = scalars[index]
            let isBeforeColumn = index < columnIndex
            if scalar == "\t" {
                // Kept as is so the caret, which repeats it, lines up on every terminal.
                text.unicodeScalars.append(scalar)
                if isBeforeColumn { caret.unicodeScalars.append("\t") }
            } else if DisplayText.needsEscape(scalar) {
                let escaped = DisplayText.escape(scalar)
                text += escaped
                if isBeforeColumn { caret += String(repeating: " ", count: escaped.unicodeScalars.count) }
            } else {
                text.unicodeScalars.append(scalar)
                if isBeforeColumn { caret.unicodeScalars.append(" ") }
            }
            scalars.formIndex(after: &index)
        }
        if end < scalars.endIndex { text += "…" }
        let neutral = DisplayText.neutralizingWorkflowCommand(text)
        let widening = neutral.unicodeScalars.count - text.unicodeScalars.count
        if widening > 0 {
            // The first colon became `\u{3A}`; a caret after it moves right by as much.
            let colon = text.unicodeScalars.prefix { $0 == " " }.count
            if caret.unicodeScalars.count > colon { caret += String(repeating: " ", count: widening) }
        }
        self.line = neutral
        self.caret = caret
    }
}
