public import Foundation

/// Encodes `Encodable` values as `JSONValue`, in the one JSON style of this service's events,
/// answers and snapshots, so that typed values keep the exact shapes clients know:
///
/// - ids are lower-case UUID strings (`JSONEncoder` writes `UUID` upper-case);
/// - times are ISO 8601 with milliseconds (`2026-01-05T10:00:00.000Z`);
/// - an absent optional is written as `null`, not left out: `"to": null` says "the main room",
///   and clients read every documented key. A type that leaves a key out says so in its own
///   `encode(to:)` (for example `OptionsChanged.timerEndsAt`).
///
/// Hand-written because Foundation's `JSONEncoder` has no strategy for the first and third.
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode(_ value: some Encodable) throws -> JSONValue {
        try Self.box(value, codingPath: [])
    }

    /// The JSON text of `value`, keys sorted, so that equal values are equal texts.
    public func text(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.sortedKeys.encode(try encode(value)), as: UTF8.self)
    }

    public static func date(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }

    static func box(_ value: some Encodable, codingPath: [any CodingKey]) throws -> JSONValue {
        switch value {
        case let value as JSONValue: return value
        case let id as UUID: return .string(id.uuidString.lowercased())
        case let date as Date: return .string(JSONValueEncoder.date(date))
        default:
            let encoder = ValueEncoder(codingPath: codingPath)
            try value.encode(to: encoder)
            return encoder.storage.value
        }
    }
}

extension JSONEncoder {
    /// Keys sorted, so that equal values are equal texts (events, answers, snapshots, stored answers);
    /// slashes as they are, as PostgreSQL writes `jsonb`.
    public static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension JSONDecoder {
    /// Reads what `JSONValueEncoder` writes: times in ISO 8601 with or without fractions.
    public static var breakout: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 time: \(text)"))
        }
        return decoder
    }

    /// Decodes `type` from a `JSONValue` (a stored answer, a parsed payload).
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try decode(type, from: try JSONEncoder().encode(value))
    }
}

/// The value being built: containers write into it after they are handed out, so it is a box.
/// Objects and arrays grow in place (a `JSONValue` enum would copy them on every write).
private final class Storage {
    var object: [String: JSONValue]?
    var array: [JSONValue]?
    var single: JSONValue?

    var value: JSONValue {
        if let object { return .object(object) }
        if let array { return .array(array) }
        return single ?? .object([:])
    }
}

private struct ValueEncoder: Encoder {
    let storage = Storage()
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if storage.object == nil { storage.object = [:] }
        return KeyedEncodingContainer(KeyedContainer<Key>(storage: storage, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if storage.array == nil { storage.array = [] }
        return UnkeyedContainer(storage: storage, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(storage: storage, codingPath: codingPath)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let storage: Storage
    var codingPath: [any CodingKey]

    private func set(_ value: JSONValue, _ key: Key) { storage.object?[key.stringValue] = value }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(.number(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.number(Double(value)), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try JSONValueEncoder.box(value, codingPath: codingPath + [key]), key)
    }

    // An absent optional is `null` (see `JSONValueEncoder`).
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { set(value.map(JSONValue.bool) ?? .null, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { set(value.map(JSONValue.string) ?? .null, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { set(JSONValue(value), key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        guard let value else { return set(.null, key) }
        try encode(value, forKey: key)
    }

    // This service's types encode nested values as values of their own, never through nested containers.
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        preconditionFailure("nested containers are not used by this service's types")
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        preconditionFailure("nested containers are not used by this service's types")
    }

    mutating func superEncoder() -> any Encoder { preconditionFailure("class hierarchies are not encoded") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { preconditionFailure("class hierarchies are not encoded") }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let storage: Storage
    var codingPath: [any CodingKey]
    var count: Int { storage.array?.count ?? 0 }

    private func append(_ value: JSONValue) { storage.array?.append(value) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.number(value)) }
    mutating func encode(_ value: Int) throws { append(.number(Double(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws { append(try JSONValueEncoder.box(value, codingPath: codingPath)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        preconditionFailure("nested containers are not used by this service's types")
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        preconditionFailure("nested containers are not used by this service's types")
    }

    mutating func superEncoder() -> any Encoder { preconditionFailure("class hierarchies are not encoded") }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let storage: Storage
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { storage.single = .null }
    mutating func encode(_ value: Bool) throws { storage.single = .bool(value) }
    mutating func encode(_ value: String) throws { storage.single = .string(value) }
    mutating func encode(_ value: Double) throws { storage.single = .number(value) }
    mutating func encode(_ value: Int) throws { storage.single = .number(Double(value)) }
    mutating func encode(_ value: Int64) throws { storage.single = .number(Double(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { storage.single = try JSONValueEncoder.box(value, codingPath: codingPath) }
}
