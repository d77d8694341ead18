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
    /// Nested parentheses, lists and `not`s are bounded like YAML nesting, so no input exhausts the stack.
    private var depth = 0

    /// Parses `scalar`'s text, or reports why it is not an expression and returns nil.
    static func parse(_ scalar: YAMLScalar, in source: SourceFile,
                      diagnostics: inout DiagnosticCollector) -> Expression? {
        var parser = ExpressionParser(positions: ScalarPositions(scalar: scalar, source: source))
        do throws(SyntaxError) {
            parser.tokens = try Self.lex(scalar.text)
            let expression = try parser.parseOr()
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
        c.properties.isAlphabetic || c == "_"
    }

    private static func isNamePart(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || c == "_" || c == "-" || ("0"..."9").contains(c)
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

    private mutating func parseOr() throws(SyntaxError) -> Expression {
        var left = try parseAnd()
        while let token = takeKeyword("or") {
            left = .binary(.or, left, try parseAnd(), location(token))
        }
        return left
    }

    private mutating func parseAnd() throws(SyntaxError) -> Expression {
        var left = try parseNot()
        while let token = takeKeyword("and") {
            left = .binary(.and, left, try parseNot(), location(token))
        }
        return left
    }

    private mutating func parseNot() throws(SyntaxError) -> Expression {
        if let token = takeKeyword("not") {
            try nest()
            defer { depth -= 1 }
            return .not(try parseNot(), location(token))
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(SyntaxError) -> Expression {
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
        return .binary(op, left, right, location(token))
    }

    private mutating func parsePrimary() throws(SyntaxError) -> Expression {
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
            if !take("]") {
                repeat { items.append(try parsePrimary()) } while take(",")
                try expect("]", "to close the list")
            }
            return .list(items, here)
        case .string(let text):
            index += 1
            return .literal(.string(text), here)
        case .word(let word):
            index += 1
            guard let literal = Self.literal(word) else {
                throw SyntaxError(message: "'\(word)' is not a number, duration or date", offset: token.offset)
            }
            return .literal(literal, here)
        case .identifier(let name):
            index += 1
            switch name {
            case "true": return .literal(.bool(true), here)
            case "false": return .literal(.bool(false), here)
            case "null": return .literal(.null, here)
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
                case "contact": return .contactField(field, here)
                case "event": return .eventField(field, here)
                default: return .unknownQualified(name, field, here)
                }
            }
            if take("(") {
                return .call(try parseCall(name, at: here))
            }
            return .name(name, here)
        case .end:
            throw SyntaxError(message: "expected a value, found end of expression", offset: token.offset)
        case .symbol(let symbol):
            throw SyntaxError(message: "expected a value, found '\(symbol)'", offset: token.offset)
        }
    }

    private mutating func parseCall(_ name: String, at location: SourceLocation) throws(SyntaxError) -> Expression.Call {
        try nest()
        defer { depth -= 1 }
        var arguments: [Expression.Argument] = []
        if !take(")") {
            repeat {
                var label: String?
                if case .identifier(let word) = current.kind, tokens[index + 1].kind == .symbol(":") {
                    label = word
                    index += 2
                }
                arguments.append(Expression.Argument(label: label, value: try parseOr()))
            } while take(",")
            try expect(")", "to close the call to '\(name)'")
        }
        return Expression.Call(name: name, location: location, arguments: arguments)
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
