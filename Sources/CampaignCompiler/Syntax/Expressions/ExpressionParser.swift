/// Lexes and parses one expression scalar, reporting `expression-syntax` problems at their exact column.
///
/// Grammar, lowest precedence first:
/// `or` ← `and` ← `not` ← comparison (`== != < <= > >= in`) ← primary
/// (literal, list, parenthesised expression, `contact.F`, `event.F`, name, call).
struct ExpressionParser {
    private enum TokenKind: Equatable {
        case identifier(String)
        case string(String)
        case word(String)      // numbers, durations, dates: classified by the parser
        case symbol(String)
        case end
    }

    private struct Token {
        var kind: TokenKind
        var offset: Int
    }

    /// Why the text is not an expression, at a scalar offset.
    private struct SyntaxError: Error {
        var message: String
        var offset: Int
    }

    private let positions: ScalarPositions
    private var tokens: [Token] = []
    private var index = 0
    /// Nested parentheses, lists, calls and `not`s, bounded like YAML nesting so that the parser's own
    /// recursion is bounded; the tree's height (every operator level) is bounded separately, see `Parsed`.
    private var depth = 0

    /// Parses `scalar`'s text, or reports why it is not an expression and returns nil.
    static func parse(_ scalar: YAMLScalar, in source: SourceFile,
                      diagnostics: inout DiagnosticCollector) -> Expression? {
        var parser = ExpressionParser(positions: ScalarPositions(scalar: scalar, source: source))
        do throws(SyntaxError) {
            parser.tokens = try Self.lex(scalar.text)
            let expression = try parser.parseOr().expression
            guard case .end = parser.tokens[parser.index].kind else {
                throw SyntaxError(message: "unexpected \(parser.describe(parser.tokens[parser.index])) after the expression",
                                  offset: parser.tokens[parser.index].offset)
            }
            return expression
        } catch {
            diagnostics.emit(.expressionSyntax, error.message, at: parser.positions.location(ofOffset: error.offset))
            return nil
        }
    }

    private init(positions: ScalarPositions) {
        self.positions = positions
    }

    // MARK: Lexing

    private static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        isAlphabetic(c) || c == "_"
    }

    private static func isNamePart(_ c: Unicode.Scalar) -> Bool {
        isAlphabetic(c) || c == "_" || c == "-" || ("0"..."9").contains(c)
    }

    /// Unicode's Alphabetic property, answered without the property lookup for ASCII (where it holds for
    /// exactly the letters): the lookup was 4% of checking a 10,000-step campaign.
    private static func isAlphabetic(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
        return c.properties.isAlphabetic
    }

    private static func isWordPart(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (("0"..."9").contains(c) || ("a"..."z").contains(c) || ("A"..."Z").contains(c)
                      || c == "." || c == ":" || c == "-" || c == "+")
    }

    /// Splits the text into tokens, walking its scalars once; token texts are slices of the original string.
    private static func lex(_ text: String) throws(SyntaxError) -> [Token] {
        let scalars = text.unicodeScalars
        var tokens: [Token] = []
        var index = scalars.startIndex
        var offset = 0
        /// Advances while `accept` holds, returning the consumed text.
        func take(from start: String.UnicodeScalarView.Index, while accept: (Unicode.Scalar) -> Bool) -> String {
            while index < scalars.endIndex, accept(scalars[index]) {
                scalars.formIndex(after: &index)
                offset += 1
            }
            return String(scalars[start..<index])
        }
        while index < scalars.endIndex {
            let c = scalars[index]
            let start = index
            let startOffset = offset
            let next = scalars.index(after: index) < scalars.endIndex ? scalars[scalars.index(after: index)] : nil
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                scalars.formIndex(after: &index)
                offset += 1
            } else if isNameStart(c) {
                tokens.append(Token(kind: .identifier(take(from: start, while: isNamePart)), offset: startOffset))
            } else if ("0"..."9").contains(c) || (c == "-" && next.map { ("0"..."9").contains($0) } == true) {
                scalars.formIndex(after: &index)
                offset += 1
                tokens.append(Token(kind: .word(take(from: start, while: isWordPart)), offset: startOffset))
            } else if c == "\"" || c == "'" {
                scalars.formIndex(after: &index)
                offset += 1
                var value = String.UnicodeScalarView()
                while index < scalars.endIndex, scalars[index] != c {
                    if scalars[index] == "\\", scalars.index(after: index) < scalars.endIndex {
                        scalars.formIndex(after: &index)
                        offset += 1
                    }
                    value.append(scalars[index])
                    scalars.formIndex(after: &index)
                    offset += 1
                }
                guard index < scalars.endIndex else { throw SyntaxError(message: "unterminated string", offset: startOffset) }
                scalars.formIndex(after: &index)
                offset += 1
                tokens.append(Token(kind: .string(String(value)), offset: startOffset))
            } else if let next, next == "=", c == "=" || c == "!" || c == "<" || c == ">" {
                tokens.append(Token(kind: .symbol(String(c) + "="), offset: startOffset))
                scalars.formIndex(after: &index)
                scalars.formIndex(after: &index)
                offset += 2
            } else if "()[],:.<>".unicodeScalars.contains(c) {
                tokens.append(Token(kind: .symbol(String(c)), offset: startOffset))
                scalars.formIndex(after: &index)
                offset += 1
            } else if c == "=" {
                throw SyntaxError(message: "'=' is not an operator; use '==' to compare", offset: startOffset)
            } else {
                throw SyntaxError(message: "unexpected character '\(c)'", offset: startOffset)
            }
        }
        tokens.append(Token(kind: .end, offset: offset))
        return tokens
    }

    // MARK: Parsing

    private var current: Token { tokens[index] }

    private func location(_ token: Token) -> SourceLocation { positions.location(ofOffset: token.offset) }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .identifier(let name): "'\(name)'"
        case .string(let text): "string \"\(text)\""
        case .word(let word): "'\(word)'"
        case .symbol(let symbol): "'\(symbol)'"
        case .end: "end of expression"
        }
    }

    private mutating func take(_ symbol: String) -> Bool {
        if current.kind == .symbol(symbol) {
            index += 1
            return true
        }
        return false
    }

    private mutating func expect(_ symbol: String, _ context: String) throws(SyntaxError) {
        guard take(symbol) else {
            throw SyntaxError(message: "expected '\(symbol)' \(context), found \(describe(current))", offset: current.offset)
        }
    }

    private mutating func takeKeyword(_ keyword: String) -> Token? {
        if current.kind == .identifier(keyword) {
            defer { index += 1 }
            return current
        }
        return nil
    }

    private mutating func nest() throws(SyntaxError) {
        depth += 1
        if depth > ReadingLimits.maximumNesting {
            throw SyntaxError(message: "the expression nests deeper than \(ReadingLimits.maximumNesting) levels",
                              offset: current.offset)
        }
    }

    /// A parsed expression with the height of its tree (a leaf is 1). Every operator level counts, so that no
    /// walk over an accepted expression (type checking, folding, lowering, the interpreter, the emitted
    /// Swift) recurses deeper than ``ReadingLimits/maximumNesting``.
    private struct Parsed {
        var expression: Expression
        var height: Int
    }

    /// A node `height` levels high, or the nesting error at `offset` when that is above the limit.
    private func node(_ expression: Expression, height: Int, at offset: Int) throws(SyntaxError) -> Parsed {
        if height > ReadingLimits.maximumNesting {
            throw SyntaxError(message: "the expression nests deeper than \(ReadingLimits.maximumNesting) levels",
                              offset: offset)
        }
        return Parsed(expression: expression, height: height)
    }

    private mutating func parseOr() throws(SyntaxError) -> Parsed {
        try parseChain(.or, operand: { parser throws(SyntaxError) in try parser.parseAnd() })
    }

    private mutating func parseAnd() throws(SyntaxError) -> Parsed {
        try parseChain(.and, operand: { parser throws(SyntaxError) in try parser.parseNot() })
    }

    /// A run of operands joined by one associative operator (`and`, `or`), read in a loop and built as a
    /// balanced tree: a chain of n operands adds about log2(n) levels, not n. Operands keep their order, so
    /// evaluation (and short-circuiting) is the same as for the left-nested reading; chains of up to three
    /// operands are the left-nested tree itself.
    private mutating func parseChain(
        _ op: BinaryOperator, operand: (inout ExpressionParser) throws(SyntaxError) -> Parsed
    ) throws(SyntaxError) -> Parsed {
        var operands = [try operand(&self)]
        var operators: [Token] = []
        while let token = takeKeyword(op.rawValue) {
            operators.append(token)
            operands.append(try operand(&self))
        }
        return try balanced(op, operands[...], operators[...])
    }

    /// Joins `operands` (with `operators[i]` between operands i and i+1); recursion depth is log2 of the count.
    private func balanced(_ op: BinaryOperator, _ operands: ArraySlice<Parsed>,
                          _ operators: ArraySlice<Token>) throws(SyntaxError) -> Parsed {
        if operands.count == 1 { return operands[operands.startIndex] }
        let leftCount = (operands.count + 1) / 2
        let split = operands.startIndex + leftCount
        let token = operators[operators.startIndex + leftCount - 1]
        let left = try balanced(op, operands[..<split], operators[..<(operators.startIndex + leftCount - 1)])
        let right = try balanced(op, operands[split...], operators[(operators.startIndex + leftCount)...])
        return try node(.binary(op, left.expression, right.expression, location(token)),
                        height: 1 + max(left.height, right.height), at: token.offset)
    }

    private mutating func parseNot() throws(SyntaxError) -> Parsed {
        if let token = takeKeyword("not") {
            try nest()
            defer { depth -= 1 }
            let operand = try parseNot()
            return try node(.not(operand.expression, location(token)), height: operand.height + 1, at: token.offset)
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(SyntaxError) -> Parsed {
        let left = try parsePrimary()
        let token = current
        let op: BinaryOperator
        switch token.kind {
        case .symbol(let symbol) where ["==", "!=", "<", "<=", ">", ">="].contains(symbol):
            op = BinaryOperator(rawValue: symbol)!
        case .identifier("in"):
            op = .in
        default:
            return left
        }
        index += 1
        let right = try parsePrimary()
        if case .symbol(let symbol) = current.kind, ["==", "!=", "<", "<=", ">", ">="].contains(symbol) {
            throw SyntaxError(message: "comparisons cannot be chained; join them with 'and'", offset: current.offset)
        }
        return try node(.binary(op, left.expression, right.expression, location(token)),
                        height: 1 + max(left.height, right.height), at: token.offset)
    }

    private mutating func parsePrimary() throws(SyntaxError) -> Parsed {
        let token = current
        let here = location(token)
        switch token.kind {
        case .symbol("("):
            index += 1
            try nest()
            defer { depth -= 1 }
            let inner = try parseOr()
            try expect(")", "to close '('")
            return inner
        case .symbol("["):
            index += 1
            try nest()
            defer { depth -= 1 }
            var items: [Expression] = []
            var height = 0
            if !take("]") {
                repeat {
                    let item = try parsePrimary()
                    items.append(item.expression)
                    height = max(height, item.height)
                } while take(",")
                try expect("]", "to close the list")
            }
            return try node(.list(items, here), height: height + 1, at: token.offset)
        case .string(let text):
            index += 1
            return Parsed(expression: .literal(.string(text), here), height: 1)
        case .word(let word):
            index += 1
            if let problem = Self.numberProblem(word) {
                throw SyntaxError(message: problem, offset: token.offset)
            }
            guard let literal = Self.literal(word) else {
                throw SyntaxError(message: "'\(word)' is not a number, duration or date", offset: token.offset)
            }
            return Parsed(expression: .literal(literal, here), height: 1)
        case .identifier(let name):
            index += 1
            switch name {
            case "true": return Parsed(expression: .literal(.bool(true), here), height: 1)
            case "false": return Parsed(expression: .literal(.bool(false), here), height: 1)
            case "null": return Parsed(expression: .literal(.null, here), height: 1)
            case "and", "or", "in":
                throw SyntaxError(message: "expected a value before '\(name)'", offset: token.offset)
            default: break
            }
            if take(".") {
                guard case .identifier(let field) = current.kind else {
                    throw SyntaxError(message: "expected a field name after '\(name).'", offset: current.offset)
                }
                index += 1
                switch name {
                case "contact": return Parsed(expression: .contactField(field, here), height: 1)
                case "event": return Parsed(expression: .eventField(field, here), height: 1)
                default: return Parsed(expression: .unknownQualified(name, field, here), height: 1)
                }
            }
            if take("(") {
                return try parseCall(name, at: here, offset: token.offset)
            }
            return Parsed(expression: .name(name, here), height: 1)
        case .end:
            throw SyntaxError(message: "expected a value, found end of expression", offset: token.offset)
        case .symbol(let symbol):
            throw SyntaxError(message: "expected a value, found '\(symbol)'", offset: token.offset)
        }
    }

    private mutating func parseCall(_ name: String, at location: SourceLocation, offset: Int) throws(SyntaxError) -> Parsed {
        try nest()
        defer { depth -= 1 }
        var arguments: [Expression.Argument] = []
        var height = 0
        if !take(")") {
            repeat {
                var label: String?
                if case .identifier(let word) = current.kind, tokens[index + 1].kind == .symbol(":") {
                    label = word
                    index += 2
                }
                let value = try parseOr()
                height = max(height, value.height)
                arguments.append(Expression.Argument(label: label, value: value.expression))
            } while take(",")
            try expect(")", "to close the call to '\(name)'")
        }
        return try node(.call(Expression.Call(name: name, location: location, arguments: arguments)),
                        height: height + 1, at: offset)
    }

    /// Why a word written as a number cannot be one: an integer outside Int's range, or a decimal that
    /// overflows to infinity or underflows to zero. Such a literal would not mean what it says, and the
    /// interpreter and the generated Swift would not even agree on what it means.
    static func numberProblem(_ word: String) -> String? {
        let digits = word.hasPrefix("-") ? word.dropFirst() : Substring(word)
        guard !digits.isEmpty else { return nil }
        if digits.allSatisfy({ ("0"..."9").contains($0) }) {
            return Int(word) == nil
                ? "the integer \(word) is outside the range \(Int.min)...\(Int.max)" : nil
        }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              parts.allSatisfy({ $0.allSatisfy { ("0"..."9").contains($0) } }),
              let value = Double(word) else { return nil }
        if !value.isFinite { return "the number \(word) is too large to be held exactly as a decimal" }
        if value == 0, digits.contains(where: { ("1"..."9").contains($0) }) {
            return "the number \(word) is too small to be held as a decimal (it would be 0)"
        }
        return nil
    }

    /// Classifies a numeric word: integer, decimal, duration, date or date-time.
    static func literal(_ word: String) -> Literal? {
        if let value = Int(word) { return .int(value) }
        if word.contains("."), let value = Double(word), value.isFinite { return .decimal(value) }
        if let duration = CampaignDuration(parsing: word) { return .duration(duration) }
        if CalendarText.isDate(Substring(word)) { return .date(word) }
        if CalendarText.isDateTime(word) { return .dateTime(word) }
        return nil
    }
}
