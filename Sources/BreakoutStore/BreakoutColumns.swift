import BreakoutDomain
import Foundation
import PostgresNIO

/// The `breakouts` columns that hold `BreakoutOptions`, for every statement that reads or writes
/// them: the INSERT of a new breakout, the UPDATE of changed options and the snapshot's SELECT.
///
/// They are not listed here: each option's column is its JSON key in snake case
/// (`moveAutomatically` → `move_automatically`), so a new option needs its property and its
/// column, and these statements follow.
enum BreakoutColumns {
    /// The options' JSON keys, in a fixed order, and their columns in the same order.
    static let keys: [String] = {
        guard case .object(let object)? = try? JSONValueEncoder().encode(BreakoutOptions()) else { return [] }
        return object.keys.sorted()
    }()
    static let columns = keys.map(snakeCase)

    static func snakeCase(_ key: String) -> String {
        key.reduce(into: "") { name, character in
            if character.isUppercase { name += "_" + character.lowercased() } else { name.append(character) }
        }
    }

    /// The options' values, bound in the order of `columns`.
    static func bind(_ options: BreakoutOptions, to bindings: inout PostgresBindings) throws {
        guard case .object(let values) = try JSONValueEncoder().encode(options) else { return }
        for key in keys {
            switch values[key] {
            case .bool(let value)?: bindings.append(value)
            case .number(let value)?: bindings.append(Int(value))
            default: bindings.appendNull()
            }
        }
    }

    /// `$first, $first+1, …` for the option columns.
    private static func placeholders(from first: Int) -> String {
        columns.indices.map { "$\(first + $0)" }.joined(separator: ", ")
    }

    /// A new breakout of `meetingId`, `ready`, in `mode`, with `options`.
    static func insert(meetingId: UUID, mode: BreakoutMode, options: BreakoutOptions) throws -> PostgresQuery {
        var bindings = PostgresBindings(capacity: 2 + columns.count)
        bindings.append(meetingId)
        bindings.append(mode.rawValue)
        try bind(options, to: &bindings)
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO breakouts (meeting_id, status, mode, \(columns.joined(separator: ", ")))
                VALUES ($1, 'ready', $2, \(placeholders(from: 3)))
                """,
            binds: bindings)
    }

    /// New options for the breakout of `meetingId`.
    static func update(meetingId: UUID, options: BreakoutOptions) throws -> PostgresQuery {
        var bindings = PostgresBindings(capacity: 1 + columns.count)
        bindings.append(meetingId)
        try bind(options, to: &bindings)
        return PostgresQuery(
            unsafeSQL: "UPDATE breakouts SET (\(columns.joined(separator: ", "))) = ROW(\(placeholders(from: 2))) WHERE meeting_id = $1",
            binds: bindings)
    }

    /// A column of a SELECT from `breakouts b`: the options as a JSON object with their own keys
    /// (text), which `BreakoutOptions` decodes; NULL when there is no breakout row.
    static let selectedOptions =
        "(CASE WHEN b.meeting_id IS NULL THEN NULL ELSE jsonb_build_object("
        + zip(keys, columns).map { "'\($0)', b.\($1)" }.joined(separator: ", ") + ")::text END)"

    static func decodeOptions(_ text: String) throws -> BreakoutOptions {
        try JSONDecoder().decode(BreakoutOptions.self, from: Data(text.utf8))
    }
}
