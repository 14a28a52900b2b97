import BreakoutDomain
@testable import BreakoutServer
import Foundation
import Hummingbird
import Testing

/// Reading a request's JSON object strictly, without a node: each field's type and range, unknown
/// fields, nested objects, and one 422 that names every offending field.
@Suite("JSON body")
struct JSONBodyTests {
    /// The violations `finish` throws for `body`, or [] when it accepts it.
    static func violations(_ body: JSONBody) -> [DomainError.Violation] {
        do {
            try body.finish()
            return []
        } catch let problem as Problem {
            #expect(problem.status == .unprocessableContent)
            #expect(problem.code == "validation_failed")
            return problem.violations
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }

    @Test("well-typed fields are read; absent optional fields are nil; the body is accepted")
    func readsFields() {
        var body = JSONBody(fields: ["name": "Ada", "muted": true, "roomCount": 3, "roomId": nil])
        #expect(body.string("name", required: true) == "Ada")
        #expect(body.bool("muted") == true)
        #expect(body.int("roomCount", in: 1...50) == .some(3))
        #expect(body.uuidOrNull("roomId") == .some(nil))
        #expect(body.string("title") == nil)
        #expect(Self.violations(body).isEmpty)
    }

    @Test("every problem is named at once: wrong types, out of range, missing, unknown fields")
    func namesEveryProblem() {
        var body = JSONBody(fields: ["name": 7, "roomCount": 51, "roomId": "not-a-uuid", "colour": "red"])
        _ = body.string("name")
        _ = body.int("roomCount", in: 1...50)
        _ = body.uuidOrNull("roomId")
        _ = body.bool("muted", required: true)
        #expect(Self.violations(body) == [
            .init(field: "name", message: "must be a string"),
            .init(field: "roomCount", message: "must be 1–50"),
            .init(field: "roomId", message: "must be a UUID or null"),
            .init(field: "muted", message: "is required"),
            .init(field: "colour", message: "is not a known field"),
        ])
    }

    @Test("integers: fractions and null are refused unless nullable; nested objects name their fields with a prefix")
    func integersAndNestedObjects() {
        var body = JSONBody(fields: ["timerSeconds": .number(1.5), "countdown": nil, "options": ["limit": nil, "extra": 1]])
        _ = body.int("timerSeconds", in: 0...3600)
        #expect(body.int("countdown", in: 0...60, nullable: true) == .some(nil))
        var options = body.object("options")
        _ = options?.int("limit", in: 0...10)
        if let options { body.absorb(options) }
        #expect(Self.violations(body) == [
            .init(field: "timerSeconds", message: "must be an integer"),
            .init(field: "options.limit", message: "must be an integer"),
            .init(field: "options.extra", message: "is not a known field"),
        ])
    }
}
