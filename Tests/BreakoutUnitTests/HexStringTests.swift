import Foundation
import Testing

@testable import BreakoutStore

@Suite("Hex of token hashes and idempotency keys")
struct HexStringTests {
    @Test("lower-case hex, two digits a byte, as PostgreSQL's encode(…, 'hex') writes it")
    func matchesPostgres() {
        #expect(Data().hexString == "")
        #expect(Data([0x00, 0x0f, 0x10, 0xab, 0xff]).hexString == "000f10abff")
        let every = Data((0...255).map { UInt8($0) })
        #expect(every.hexString == (0...255).map { String(format: "%02x", $0) }.joined())
    }
}
