/// People's text in a CSV file that a teacher opens in a spreadsheet (OWASP's "CSV injection"): a
/// field that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula, so
/// it is written after a `'`, which spreadsheets show as text. A file this service wrote and a host
/// uploads again (the pre-assignment list, as Zoom's template) reads back as it was.
public enum SpreadsheetText {
    static let formulaStarts = Set("=+-@\t\r".unicodeScalars)

    /// `value`, defused for a spreadsheet.
    public static func defused(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, formulaStarts.contains(first) else { return value }
        return "'" + value
    }

    /// A field as `defused` wrote it, back to its value: a `'` in front of a formula's first
    /// character is taken away; anything else is left as it is.
    public static func readBack(_ field: String) -> String {
        let scalars = field.unicodeScalars
        guard scalars.first == "'", let second = scalars.dropFirst().first, formulaStarts.contains(second) else { return field }
        return String(field.dropFirst())
    }
}
