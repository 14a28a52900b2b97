import BreakoutDomain
import Foundation
import Hummingbird

/// A JSON request body read strictly: it must be an object, every field must have the right type
/// and range, and a field the endpoint does not know is an error rather than silently ignored.
/// Every problem is collected, so one 422 names each offending field.
struct JSONBody {
    /// Bodies above this size are refused with 413 before they are parsed.
    static let maxBytes = 64 * 1024

    private var fields: [String: JSONValue]
    private var known: Set<String> = []
    private var violations: [DomainError.Violation] = []
    private let prefix: String

    init(fields: [String: JSONValue], prefix: String = "") {
        self.fields = fields
        self.prefix = prefix
    }

    /// Reads the request's body as a JSON object. An empty body counts as `{}`.
    static func read(_ request: Request, allowEmpty: Bool = false) async throws -> JSONBody {
        let buffer = try await request.body.collect(upTo: maxBytes)
        if buffer.readableBytes == 0 {
            if allowEmpty { return JSONBody(fields: [:]) }
            throw Problem(.bodyRequired, "This endpoint needs a JSON object body.")
        }
        if let type = request.headers[.contentType], !type.lowercased().contains("json") {
            throw Problem(.unsupportedMediaType, "Send the body as application/json (got \(type)).")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw Problem(.malformedJSON, "The body is not valid JSON.")
        }
        guard case .object(let fields) = value else {
            throw Problem(.malformedJSON, "The body must be a JSON object.")
        }
        return JSONBody(fields: fields)
    }

    private func path(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    private mutating func value(_ key: String, required: Bool) -> JSONValue? {
        known.insert(key)
        guard let value = fields[key] else {
            if required { violations.append(.init(field: path(key), message: "is required")) }
            return nil
        }
        return value
    }

    private mutating func wrongType(_ key: String, _ expected: String) {
        violations.append(.init(field: path(key), message: "must be \(expected)"))
    }

    mutating func string(_ key: String, required: Bool = false) -> String? {
        switch value(key, required: required) {
        case nil: return nil
        case .string(let s)?: return s
        case .null? where !required: return nil
        default: wrongType(key, "a string"); return nil
        }
    }

    mutating func bool(_ key: String, required: Bool = false) -> Bool? {
        switch value(key, required: required) {
        case nil: return nil
        case .bool(let b)?: return b
        default: wrongType(key, "true or false"); return nil
        }
    }

    /// An integer in `range`; `nullable` accepts null (returned as `.some(nil)`).
    mutating func int(_ key: String, in range: ClosedRange<Int>, required: Bool = false, nullable: Bool = false) -> Int?? {
        switch value(key, required: required) {
        case nil: return nil
        case .null? where nullable: return .some(nil)
        case .number(let n)? where n.rounded() == n && abs(n) < 1e15:
            guard range.contains(Int(n)) else {
                violations.append(.init(field: path(key), message: "must be \(range.lowerBound)–\(range.upperBound)"))
                return nil
            }
            return .some(Int(n))
        default:
            wrongType(key, nullable ? "an integer or null" : "an integer")
            return nil
        }
    }

    /// A list of strings (null or absent: nil).
    mutating func strings(_ key: String) -> [String]? {
        switch value(key, required: false) {
        case nil, .null?: return nil
        case .array(let items)?:
            let strings = items.compactMap(\.stringValue)
            guard strings.count == items.count else { wrongType(key, "a list of strings"); return nil }
            return strings
        default: wrongType(key, "a list of strings"); return nil
        }
    }

    /// A UUID or null (null returned as `.some(nil)`).
    mutating func uuidOrNull(_ key: String, required: Bool = false) -> UUID?? {
        switch value(key, required: required) {
        case nil: return nil
        case .null?: return .some(nil)
        case .string(let s)?:
            guard let id = UUID(uuidString: s) else { wrongType(key, "a UUID or null"); return nil }
            return .some(id)
        default: wrongType(key, "a UUID or null"); return nil
        }
    }

    /// A nested object, read with the same strictness.
    mutating func object(_ key: String) -> JSONBody? {
        switch value(key, required: false) {
        case nil, .null?: return nil
        case .object(let fields)?: return JSONBody(fields: fields, prefix: path(key))
        default: wrongType(key, "an object"); return nil
        }
    }

    /// Folds a nested body's findings into this one.
    mutating func absorb(_ nested: JSONBody) {
        violations += nested.violations
        violations += nested.unknownFieldViolations
    }

    mutating func add(_ error: DomainError) { violations += error.violations }

    private var unknownFieldViolations: [DomainError.Violation] {
        fields.keys.filter { !known.contains($0) }.sorted().map { .init(field: path($0), message: "is not a known field") }
    }

    /// Throws one 422 naming every offending field, or returns when the body was fine.
    func finish() throws {
        let all = violations + unknownFieldViolations
        guard !all.isEmpty else { return }
        throw Problem(DomainError.invalid(all))
    }
}
