/// Prints generated code line by line and owns its indentation, so no emitter counts spaces.
struct CodePrinter {
    private(set) var text = ""
    private var level = 0

    /// Prints `content` at the current indentation; each line of a multi-line content is indented.
    mutating func line(_ content: String = "") {
        for part in content.split(separator: "\n", omittingEmptySubsequences: false) {
            text += part.isEmpty ? "\n" : String(repeating: "    ", count: level) + part + "\n"
        }
    }

    /// Prints `opening`, the body one level deeper, then `closing`.
    mutating func block(_ opening: String, closing: String = "}", _ body: (inout CodePrinter) -> Void) {
        line(opening)
        level += 1
        body(&self)
        level -= 1
        line(closing)
    }
}
