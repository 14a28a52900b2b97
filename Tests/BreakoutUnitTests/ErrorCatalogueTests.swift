import BreakoutDomain
@testable import BreakoutServer
import BreakoutStore
import Foundation
import HTTPTypes
import Testing
import Yams

/// Every `code` a client can meet comes from one of three catalogues (the rules', the store's, the
/// HTTP layer's), each code has one status, and the OpenAPI document lists them all with it. The
/// tests walk the catalogues, so a new code cannot be left out.
@Suite("Error catalogue")
struct ErrorCatalogueTests {
    /// Every code of the three catalogues, with its status.
    static var all: [(code: String, status: Int)] {
        DomainError.Code.allCases.map { ($0.rawValue, Int(Problem.status(of: $0).code)) }
            + StoreError.Code.allCases.map { ($0.rawValue, Int(Problem.status(of: $0).code)) }
            + ServerError.Code.allCases.map { ($0.rawValue, Int(Problem.status(of: $0).code)) }
    }

    @Test("each code has one status, a 4xx or 5xx, even where two catalogues share it")
    func oneStatus() {
        var statuses: [String: Set<Int>] = [:]
        for (code, status) in Self.all { statuses[code, default: []].insert(status) }
        for (code, found) in statuses {
            #expect(found.count == 1, "\(code) has statuses \(found.sorted())")
            #expect(found.allSatisfy { (400..<600).contains($0) }, "\(code): \(found)")
        }
    }

    @Test("the OpenAPI document lists every code with its status")
    func documented() throws {
        let document = try OpenAPIDocumentTests.document()
        let description = try #require(
            document["components"]?["schemas"]?["Problem"]?["properties"]?["code"]?["description"]?.string)
        for (code, status) in Self.all {
            #expect(description.contains("`\(code)` \(status)"), "openapi.yaml's Problem.code does not list `\(code)` \(status)")
        }
        let listed = description.matches(of: /`([a-z_]+)` [0-9]{3}/).map { String($0.output.1) }
        #expect(Set(listed) == Set(Self.all.map(\.code)), "listed but in no catalogue: \(Set(listed).subtracting(Self.all.map(\.code)))")
    }

    @Test("the balancer answers its own codes with the statuses of the catalogue")
    func balancerCodes() throws {
        let template = try String(contentsOf: OpenAPIDocumentTests.file.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/nginx-breakout.conf.template"), encoding: .utf8)
        for code in [ServerError.Code.rateLimited, .nodeUnavailable, .serviceUnavailable, .nodeTimeout] {
            let status = Problem.status(of: code).code
            #expect(template.contains(#""status":\#(status),"code":"\#(code.rawValue)""#), "the template's \(code.rawValue) is not a \(status)")
        }
    }
}
