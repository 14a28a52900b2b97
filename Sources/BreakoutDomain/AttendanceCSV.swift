import Foundation

/// Attendance as CSV (RFC 4180): the same rows and fields as the JSON answer, for the teacher's
/// spreadsheet (docs/decisions.md, "Attendance").
public enum AttendanceCSV {
    public static let header = ["participantId", "displayName", "email", "round", "roomId", "roomName", "from", "to", "seconds"]

    /// UTF-8 with a byte order mark (without one, Excel reads the file in the computer's legacy
    /// code page and garbles "Bjørn"), CRLF after every line, the header first. A field is quoted
    /// when it holds a comma, a quote or a line break, its quotes doubled. A name that a spreadsheet
    /// would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
    /// written after a `'`, which spreadsheets show as text.
    public static func text(_ spans: [PresenceSpan]) -> String {
        var lines = [header.joined(separator: ",")]
        for span in spans {
            let fields = [
                span.participantId.uuidString.lowercased(), text(span.displayName), text(span.email ?? ""), String(span.round),
                span.roomId.uuidString.lowercased(), text(span.roomName), JSONValueEncoder.date(span.from),
                span.to.map(JSONValueEncoder.date) ?? "", String(span.seconds),
            ]
            lines.append(fields.map(quoted).joined(separator: ","))
        }
        return "\u{FEFF}" + lines.map { $0 + "\r\n" }.joined()
    }

    /// People's text, defused for spreadsheets.
    static func text(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return value }
        return "'" + value
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
