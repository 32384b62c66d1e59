import Testing
@testable import GraftCore

@Suite("StrictJSON")
struct StrictJSONTests {
    private func parse(_ text: String) throws(StrictJSONError) -> JSONValue { try StrictJSON.parse(Array(text.utf8)) }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "x\"\\\/\n\u00e9\ud83d\ude00"}} "#)
        #expect(value["a"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("x\"\\/\né😀"))
        #expect(value.objectValue?.map(\.key) == ["a", "b"])
    }

    @Test func integersAreOnlyPlainIntegerLiterals() throws {
        #expect(try parse("42").integerValue == 42)
        #expect(try parse("-7").integerValue == -7)
        #expect(try parse("1.0").integerValue == nil)
        #expect(try parse("1e3").integerValue == nil)
        #expect(try parse("99999999999999999999").integerValue == nil)
        #expect(try parse(#""3""#).integerValue == nil)
    }

    @Test(arguments: [
        ("", 0), ("{", 1), ("[1,]", 3), ("{\"a\":1,}", 7), ("01", 0), ("1.", 0), ("-", 0), ("+1", 0),
        ("tru", 0), ("NaN", 0), ("'a'", 0), ("\"\\x\"", 1), ("\"\\ud800\"", 1), ("\"\\udc00\"", 1),
        ("\"a\u{01}\"", 2), ("\"abc", 0), ("1 2", 2), ("{} x", 3), ("/* c */ 1", 0), ("[1 2]", 3),
    ])
    func rejectsInvalidJSONAtTheRightOffset(_ text: String, _ offset: Int) {
        #expect {
            try parse(text)
        } throws: { error in
            guard case .invalidJSON(let at, _) = error as? StrictJSONError else { return false }
            return at == offset
        }
    }

    @Test func rejectsDuplicateKeysAtAnyDepth() {
        #expect(throws: StrictJSONError.duplicateKey(key: "a", offset: 8)) { try parse(#"{"a":1, "a":2}"#) }
        #expect(throws: StrictJSONError.duplicateKey(key: "k", offset: 18)) { try parse(#"{"x":[{"y":{"k":1,"k":2}}]}"#) }
        // Keys equal after unescaping are duplicates too.
        #expect(throws: StrictJSONError.duplicateKey(key: "a", offset: 7)) { try parse(#"{"a":1,"\u0061":2}"#) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: StrictJSONError.invalidUTF8(offset: 2)) { try StrictJSON.parse([0x22, 0x61, 0xFF, 0x22]) }
        #expect(throws: StrictJSONError.invalidUTF8(offset: 1)) { try StrictJSON.parse([0x22, 0xC0, 0xAF, 0x22]) }  // overlong
        #expect(throws: StrictJSONError.invalidUTF8(offset: 1)) { try StrictJSON.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }  // surrogate
        #expect(throws: StrictJSONError.invalidUTF8(offset: 1)) { try StrictJSON.parse([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]) }  // > U+10FFFF
        #expect(throws: StrictJSONError.invalidUTF8(offset: 1)) { try StrictJSON.parse([0x22, 0xE2, 0x82]) }  // cut short
    }

    @Test func capsNesting() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try parse(ok)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: StrictJSONError.nestingTooDeep(offset: 64, limit: 64)) { try parse(deep) }
        // Far deeper than the stack could take without the cap.
        let hostile = String(repeating: "[", count: 1_000_000)
        #expect(throws: StrictJSONError.nestingTooDeep(offset: 64, limit: 64)) { try parse(hostile) }
    }

    @Test func serializationRoundTrips() throws {
        let text = #"{"a":[1,-2.5e3,true,false,null],"b":{"c":"x\"\\\n\u0001é"},"":[]}"#
        let value = try parse(text)
        #expect(value.serialized == text)
        #expect(try parse(value.serialized) == value)
    }
}
