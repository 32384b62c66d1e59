import Testing
@testable import GraftCaffe

private func parse(_ text: String, file: String = "net.prototxt") throws(TextFormatError) -> TextMessage {
    try TextParser.parse(text, file: file)
}

private func parseError(_ text: String, file: String = "net.prototxt") -> String? {
    do {
        _ = try parse(text, file: file)
        return nil
    } catch { return error.description }
}

private func scalars(_ m: TextMessage, _ name: String) -> [String] {
    m.fields(named: name).compactMap { if case .scalar(let s) = $0.value { s.kind == .string ? s.string : s.text } else { nil } }
}

private func nested(_ m: TextMessage, _ name: String) -> [TextMessage] {
    m.fields(named: name).compactMap { if case .message(let n) = $0.value { n } else { nil } }
}

struct TextParserTests {
    @Test func messagesWithBracesOrAnglesWithOrWithoutColon() throws {
        let m = try parse("a { x: 1 } b: { x: 2 } c < x: 3 > d: < x: 4 >")
        #expect(m.fields.map(\.name) == ["a", "b", "c", "d"])
        #expect(["a", "b", "c", "d"].map { scalars(nested(m, $0)[0], "x") } == [["1"], ["2"], ["3"], ["4"]])
    }

    @Test func repeatedFieldsRepeatedOrAsLists() throws {
        let m = try parse("dim: 1 dim: 2 dim: [3, 4] dim: [] s [{ v: 1 }, < v: 2 >] t: [{ v: 3 }]")
        #expect(scalars(m, "dim") == ["1", "2", "3", "4"])
        #expect(nested(m, "s").map { scalars($0, "v") } == [["1"], ["2"]])
        #expect(nested(m, "t").count == 1)
        // The list elements share the list's source range.
        let listed = m.fields(named: "dim").suffix(2)
        #expect(Set(listed.map(\.sourceRange)).count == 1)
    }

    @Test func optionalSeparators() throws {
        let m = try parse("a: 1, b: 2; c { d: 3; e: 4, } f: \"x\";")
        #expect(m.fields.map(\.name) == ["a", "b", "c", "f"])
        #expect(nested(m, "c")[0].fields.map(\.name) == ["d", "e"])
    }

    @Test func signedNumbersAndSpecialFloats() throws {
        let m = try parse("a: -3 b: -0x10 c: -1.5e-3 d: -inf e: nan f: -Infinity")
        #expect(scalars(m, "a") == ["-3"])
        guard case .scalar(let d) = m.fields(named: "d")[0].value else { Issue.record(); return }
        #expect(d.kind == .identifier && d.negative && d.text == "-inf")
        guard case .scalar(let c) = m.fields(named: "c")[0].value else { Issue.record(); return }
        #expect(c.isFloatLiteral && c.negative)
    }

    @Test func adjacentStringsAreConcatenated() throws {
        let m = try parse("name: \"conv\" '1' \"_a\"\nnext: 1")
        #expect(scalars(m, "name") == ["conv1_a"])
        #expect(scalars(m, "next") == ["1"])
    }

    @Test func fieldsKeepTheirPositionsAndSourceText() throws {
        let text = "name: \"x\"\nlayer {\n  type: \"ReLU\"\n  permute_param { order: 0 }\n}\n"
        let m = try parse(text)
        let layer = m.fields(named: "layer")[0]
        #expect(layer.position == TextPosition(line: 2, column: 1, offset: 10))
        let inner = nested(m, "layer")[0].fields(named: "permute_param")[0]
        #expect(inner.position.line == 4 && inner.position.column == 3)
        #expect(String(decoding: Array(text.utf8)[inner.sourceRange], as: UTF8.self) == "permute_param { order: 0 }")
    }

    @Test func syntaxErrorsNameLineAndColumn() {
        #expect(parseError("name: \"x\"\nlayer {\n  top: \"abcd\"") == "net.prototxt:3:14: expected '}' but found end of file")
        #expect(parseError("a < b: 1 }") == "net.prototxt:1:10: expected '>' but found '}'")
        #expect(parseError("name \"x\"") == "net.prototxt:1:6: expected ':' or '{' but found string \"x\"")
        #expect(parseError("a: 1\n}") == "net.prototxt:2:1: expected a field name but found '}'")
        #expect(parseError("a: }") == "net.prototxt:1:4: expected a value but found '}'")
        #expect(parseError("a: - \"x\"") == "net.prototxt:1:6: expected a number after '-' but found string \"x\"")
        #expect(parseError("a: [1 2]") == "net.prototxt:1:7: expected ',' or ']' but found number 2")
        #expect(parseError("a [1]") == "net.prototxt:1:4: expected '{' but found number 1")
        #expect(parseError("a: [1,") == "net.prototxt:1:7: expected a value but found end of file")
        #expect(parseError("layer {\n  name: \"unterminated\n}") == "net.prototxt:2:9: unterminated string")
    }

    @Test func absurdNestingIsRefused() {
        let deep = String(repeating: "a {", count: 5000) + String(repeating: "}", count: 5000)
        #expect(parseError(deep) == "net.prototxt:1:303: messages nested deeper than 100 levels")
        let ok = String(repeating: "a {", count: 100) + String(repeating: "}", count: 100)
        #expect(parseError(ok) == nil)
    }

    @Test func oversizedInputIsRefused() {
        #expect(throws: TextFormatError(file: "f", line: 1, column: 1, reason: .tooLarge(bytes: 11, limit: 10))) {
            try TextParser.parse(Array("a: 12345678".utf8), file: "f", maxBytes: 10)
        }
    }

    @Test(arguments: [
        "name: \"LeNet\"\nlayer { name: 'conv1' type: \"Convolution\" convolution_param < num_output: 20 kernel_size: [5, 5] > }",
        "a: -1.5e3 b: 0x1F c: 017 d: -inf e: true f: \"tab\\there\\x41\\101\" g { h { i: [1, 2, 3]; } }",
        "layers { type: CONVOLUTION blobs_lr: 1, blobs_lr: 2 } input_dim: 1 input_dim: 3",
        "s: \"quote\\\" and \\\\ and \\n and \\001\" t: 'single \"inside\"'",
        "",
    ])
    func roundTripsThroughTheFormatter(_ text: String) throws {
        let first = try parse(text)
        let printed = first.formatted()
        let second = try parse(printed)
        #expect(second.formatted() == printed)
        #expect(strip(first) == strip(second))
    }
}

/// The tree without positions, for comparing a parse with a re-parse.
private func strip(_ m: TextMessage) -> [String] {
    m.fields.flatMap { f -> [String] in
        switch f.value {
        case .scalar(let s): ["\(f.name)=\(s.kind):\(s.kind == .string ? s.bytes.description : s.text)"]
        case .message(let n): ["\(f.name){"] + strip(n) + ["}"]
        }
    }
}
