import BreakoutDomain
import Foundation
import Testing

/// Free-text input: display names (1–64), room names (1–64), titles, emails.
@Suite("Input validation")
struct InputValidationTests {
    // MARK: Display name

    @Test("A display name is trimmed and stored")
    func displayNameTrimmed() throws {
        #expect(try InputValidation.displayName("  Ada Lovelace \n") == "Ada Lovelace")
    }

    @Test("Display names of 1 and 64 characters are accepted (emoji count once)")
    func displayNameBounds() throws {
        #expect(try InputValidation.displayName("A") == "A")
        let longest = String(repeating: "x", count: 64)
        #expect(try InputValidation.displayName(longest) == longest)
        let emoji = String(repeating: "🙂", count: 64)
        #expect(try InputValidation.displayName(emoji) == emoji)
    }

    @Test("A display name of 65 characters is refused, naming displayName")
    func displayNameTooLong() {
        let error = #expect(throws: DomainError.self) { try InputValidation.displayName(String(repeating: "x", count: 65)) }
        #expect(error == .invalid("displayName", "must be 1–64 characters"))
        #expect(error?.code.rawValue == "validation_failed")
    }

    @Test("A name of few characters but more than 64 code points is refused, as the database would")
    func displayNameCodePoints() {
        let stacked = String(repeating: "e\u{0301}\u{0316}\u{0317}", count: 20)
        #expect(stacked.count == 20)
        #expect(throws: DomainError.invalid("displayName", "must be 1–64 characters")) { try InputValidation.displayName(stacked) }
    }

    @Test("Empty or whitespace-only display names are refused", arguments: ["", " ", "\t\n "])
    func displayNameBlank(value: String) {
        #expect(throws: DomainError.invalid("displayName", "must not be empty or only whitespace")) {
            try InputValidation.displayName(value)
        }
    }

    @Test("Control characters inside a name are refused", arguments: ["Ada\nLovelace", "Ada\u{0007}", "a\tb"])
    func controlCharacters(value: String) {
        #expect(throws: DomainError.invalid("displayName", "must not contain control characters")) {
            try InputValidation.displayName(value)
        }
    }

    @Test("A custom field name is used in the error")
    func customField() {
        let error = #expect(throws: DomainError.self) { try InputValidation.displayName("", field: "participants[0].displayName") }
        #expect(error?.violations.map(\.field) == ["participants[0].displayName"])
    }

    // MARK: Room name and title

    @Test("Room names: 1–64 characters after trimming, naming the field name")
    func roomName() throws {
        #expect(try InputValidation.roomName(" Group A ") == "Group A")
        #expect(try InputValidation.roomName(String(repeating: "r", count: 64)).count == 64)
        #expect(throws: DomainError.invalid("name", "must be 1–64 characters")) {
            try InputValidation.roomName(String(repeating: "r", count: 65))
        }
        #expect(throws: DomainError.invalid("name", "must not be empty or only whitespace")) { try InputValidation.roomName("   ") }
    }

    @Test("Titles: up to 200 characters")
    func title() throws {
        #expect(try InputValidation.title(String(repeating: "t", count: 200)).count == 200)
        #expect(throws: DomainError.invalid("title", "must be 1–200 characters")) {
            try InputValidation.title(String(repeating: "t", count: 201))
        }
    }

    // MARK: Email

    @Test("An email is trimmed and lower-cased (compared case-insensitively)")
    func emailLowercased() throws {
        #expect(try InputValidation.email("  Ada.Lovelace@Example.ORG ") == "ada.lovelace@example.org")
    }

    @Test("Malformed emails are refused, naming email",
          arguments: ["", "ada", "@example.org", "ada@", "ada@@example.org", "a@b@c", "ada lovelace@example.org", "a@"])
    func emailInvalid(value: String) {
        #expect(throws: DomainError.invalid("email", "is not an email address")) { try InputValidation.email(value) }
    }

    @Test("An email's length is counted in code points of its stored (lower-cased) form, as the database counts")
    func emailCodePoints() throws {
        // 130 letters with a combining accent each: 130 characters (under 254) but 260 code points.
        let accented = String(repeating: "e\u{0301}", count: 130)
        #expect(throws: DomainError.invalid("email", "is not an email address")) { try InputValidation.email("\(accented)x@ex.org") }
        // "İ" lower-cases to two code points: 127 of them are 254, with "@ex.org" over the limit.
        #expect(throws: DomainError.invalid("email", "is not an email address")) {
            try InputValidation.email(String(repeating: "İ", count: 127) + "@ex.org")
        }
        #expect(try InputValidation.email(String(repeating: "é", count: 120) + "@ex.org").unicodeScalars.count == 127)
    }

    @Test("An email longer than 254 characters is refused")
    func emailTooLong() {
        let local = String(repeating: "a", count: 250)
        #expect(throws: DomainError.self) { try InputValidation.email("\(local)@ex.org") }
        #expect(throws: Never.self) { try InputValidation.email("\(String(repeating: "a", count: 247))@ex.org") }
    }
}

@Suite("Control characters")
struct ControlCharacterTests {
    @Test("NUL and other control characters are refused in names, emails and broadcasts; line breaks are fine in broadcasts")
    func controlCharacters() throws {
        #expect(throws: DomainError.self) { try InputValidation.displayName("Ada\u{0}") }
        #expect(throws: DomainError.self) { try InputValidation.email("a\u{0}@b.edu") }
        #expect(throws: DomainError.self) { try InputValidation.broadcastMessage("hi\u{0}") }
        #expect(throws: DomainError.self) { try InputValidation.broadcastMessage("bell\u{7}") }
        #expect(try InputValidation.broadcastMessage("line one\nline two\tend") == "line one\nline two\tend")
    }
}
