public import BreakoutDomain
public import PostgresNIO

/// The domain's enums that are text columns, decoded by raw value. (They are also Codable, so the
/// default that PostgresNIO offers for RawRepresentable would be ambiguous.)
public protocol TextColumn: RawRepresentable<String>, PostgresDecodable {}

extension TextColumn {
    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard let value = Self(rawValue: try String(from: &buffer, type: type, format: format, context: context)) else {
            throw PostgresDecodingError.Code.failure
        }
        self = value
    }
}

extension Role: TextColumn {}
extension HelpStatus: TextColumn {}
extension BreakoutStatus: TextColumn {}
extension BreakoutMode: TextColumn {}
