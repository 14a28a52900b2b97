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
        file([header.joined(separator: ",")] + rows(spans))
    }

    /// A course's attendance: the same columns after the meeting's code and title, meeting by meeting.
    public static func text(meetings: [(code: String, title: String, spans: [PresenceSpan])]) -> String {
        var lines = [(["meetingCode", "meetingTitle"] + header).joined(separator: ",")]
        for meeting in meetings {
            let prefix = [quoted(meeting.code), quoted(text(meeting.title))].joined(separator: ",")
            lines += rows(meeting.spans).map { prefix + "," + $0 }
        }
        return file(lines)
    }

    /// One line per span, without its line end.
    static func rows(_ spans: [PresenceSpan]) -> [String] {
        spans.map { span in
            [
                span.participantId.uuidString.lowercased(), text(span.displayName), text(span.email ?? ""), String(span.round),
                span.roomId.uuidString.lowercased(), text(span.roomName), JSONValueEncoder.date(span.from),
                span.to.map(JSONValueEncoder.date) ?? "", String(span.seconds),
            ].map(quoted).joined(separator: ",")
        }
    }

    /// The byte order mark, then every line with CRLF.
    static func file(_ lines: [String]) -> String {
        "\u{FEFF}" + lines.map { $0 + "\r\n" }.joined()
    }

    /// People's text, defused for spreadsheets.
    static func text(_ value: String) -> String { SpreadsheetText.defused(value) }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
