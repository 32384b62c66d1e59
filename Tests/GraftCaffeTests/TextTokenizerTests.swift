import Testing
@testable import GraftCaffe

private func tokens(_ text: String) throws(TextFormatError) -> [TextToken] {
    var tokenizer = TextTokenizer(bytes: Array(text.utf8), file: "t.prototxt")
    return try tokenizer.tokenize()
}

private func tokenError(_ text: String) -> String? {
    do {
        _ = try tokens(text)
        return nil
    } catch { return error.description }
}

struct TextTokenizerTests {
    @Test func identifiersSymbolsAndPositions() throws {
        let t = try tokens("layer {\n  name: \"a\"\n}\n")
        #expect(t.map(\.kind) == [.identifier, .symbol, .identifier, .symbol, .string, .symbol, .endOfFile])
        #expect(t.map(\.text) == ["layer", "{", "name", ":", "\"a\"", "}", ""])
        #expect(t.map { "\($0.start)" } == ["1:1", "1:7", "2:3", "2:7", "2:9", "3:1", "4:1"])
        #expect(t[4].bytes == Array("a".utf8))
    }

    @Test func commentsAreSkipped() throws {
        let t = try tokens("# header\nname: 1 # trailing\n#last")
        #expect(t.map(\.text) == ["name", ":", "1", ""])
        #expect(t[2].start == TextPosition(line: 2, column: 7, offset: 15))
    }

    @Test func numbersInEveryProtobufSpelling() throws {
        let spellings = ["0", "42", "0x1F", "0X1f", "017", "1.5", "1.", ".5", "1e5", "1E-3", "2.5e+10", "1.0f", "1.5F", "2f", "0.0"]
        for s in spellings {
            let t = try tokens(s)
            #expect(t.count == 2 && t[0].kind == .number && t[0].text == s, "\(s)")
        }
        #expect(try tokens("1.5")[0].isFloatLiteral)
        #expect(try tokens("2f")[0].isFloatLiteral)
        #expect(try !tokens("0x1F")[0].isFloatLiteral)
        #expect(try !tokens("017")[0].isFloatLiteral)
        // The sign is a separate symbol, as in protobuf's tokenizer.
        #expect(try tokens("-3").map(\.text) == ["-", "3", ""])
    }

    @Test func malformedNumbersAreRejectedWithPositions() {
        #expect(tokenError("a: 1e") == "t.prototxt:1:4: invalid number '1e'")
        #expect(tokenError("a: 0x") == "t.prototxt:1:4: invalid number '0x'")
        #expect(tokenError("a: 09") == "t.prototxt:1:4: invalid number '09'")
        #expect(tokenError("\n  a: 12abc") == "t.prototxt:2:6: invalid number '12abc'")
        #expect(tokenError("a: 1.2.3") == "t.prototxt:1:4: invalid number '1.2.3'")
    }

    @Test func stringsWithBothQuotesAndEveryEscape() throws {
        let t = try tokens(#"'single' "double" "\n\t\\\'\"\r\a\b\f\v\?" "\101\60\0" "\x41\x4a\xff" 'it''s'"#)
        #expect(t[0].bytes == Array("single".utf8))
        #expect(t[1].bytes == Array("double".utf8))
        #expect(t[2].bytes == [0x0A, 0x09, 0x5C, 0x27, 0x22, 0x0D, 0x07, 0x08, 0x0C, 0x0B, 0x3F])
        #expect(t[3].bytes == [0x41, 0x30, 0x00])
        #expect(t[4].bytes == [0x41, 0x4A, 0xFF])
        #expect(t[5].bytes == Array("it".utf8) && t[6].bytes == Array("s".utf8))
        #expect(t[2].text == #""\n\t\\\'\"\r\a\b\f\v\?""#)
    }

    @Test func badStringsAreRejectedWithPositions() {
        #expect(tokenError("name: \"abc") == "t.prototxt:1:7: unterminated string")
        #expect(tokenError("name: 'abc\n'") == "t.prototxt:1:7: unterminated string")
        #expect(tokenError("name: \"a\\q\"") == "t.prototxt:1:9: invalid escape sequence '\\q'")
        #expect(tokenError("name: \"a\\xg\"") == "t.prototxt:1:9: invalid escape sequence '\\x'")
        #expect(tokenError("name: \"\\777\"") == "t.prototxt:1:8: invalid escape sequence '\\777'")
        #expect(tokenError("name: \"abc\\") == "t.prototxt:1:7: unterminated string")
    }

    @Test func unexpectedCharactersAreRejected() {
        #expect(tokenError("name: @") == "t.prototxt:1:7: unexpected character '@'")
        #expect(tokenError("a\n\u{1}") == "t.prototxt:2:1: unexpected character byte 0x1")
    }
}
