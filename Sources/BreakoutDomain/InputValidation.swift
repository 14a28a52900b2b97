import Foundation

/// Checks of free-text input. Each returns the value to store (trimmed) or throws naming the field.
public enum InputValidation {
    public static func displayName(_ value: String, field: String = "displayName") throws -> String {
        try text(value, field: field, length: Limits.displayNameLength)
    }

    public static func roomName(_ value: String, field: String = "name") throws -> String {
        try text(value, field: field, length: Limits.roomNameLength)
    }

    public static func title(_ value: String, field: String = "title") throws -> String {
        try text(value, field: field, length: Limits.titleLength)
    }

    /// A loose check: one `@` with something on each side, no spaces, at most 254 characters.
    /// Emails are compared case-insensitively, so they are stored lower-cased. The length is that
    /// of the stored form in code points, as PostgreSQL's char_length counts: combining marks
    /// count, and lower-casing may add some ("İ" becomes "i" and a dot above).
    public static func email(_ value: String, field: String = "email") throws -> String {
        let trimmed = value.trimmingWhitespace()
        let stored = trimmed.lowercased()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard Limits.emailLength.contains(stored.unicodeScalars.count), parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              !trimmed.contains(where: { $0.isWhitespace || isControl($0) })
        else { throw DomainError.invalid(field, "is not an email address") }
        return stored
    }

    /// A broadcast: 1–140 characters as Swift counts them (an emoji counts once), not only whitespace.
    public static func broadcastMessage(_ value: String) throws -> String {
        if value.trimmingWhitespace().isEmpty { throw DomainError.invalid("message", "must not be empty or only whitespace") }
        if value.count > Limits.broadcastLength.upperBound { throw DomainError.messageTooLong(count: value.count) }
        if value.contains(where: { isControl($0) && $0 != "\n" && $0 != "\t" }) {
            throw DomainError.invalid("message", "must not contain control characters other than line breaks and tabs")
        }
        return value
    }

    public static func text(_ value: String, field: String, length: ClosedRange<Int>) throws -> String {
        let trimmed = value.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw DomainError.invalid(field, "must not be empty or only whitespace") }
        // Counted as people see them (an emoji is one), and no more code points than the upper
        // bound, as PostgreSQL's char_length checks and JSON Schema's maxLength count: 30 letters
        // with 5 combining marks each are 30 characters here but 180 there.
        guard length.contains(trimmed.count), trimmed.unicodeScalars.count <= length.upperBound else {
            throw DomainError.invalid(field, "must be \(length.lowerBound)–\(length.upperBound) characters")
        }
        guard !trimmed.contains(where: { $0.isNewline || isControl($0) }) else {
            throw DomainError.invalid(field, "must not contain control characters")
        }
        return trimmed
    }

    /// C0 controls and DEL; PostgreSQL refuses NUL in text and jsonb, and none belongs in a name.
    static func isControl(_ character: Character) -> Bool {
        character.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
