import Foundation
import Synchronization

/// Whether a figure meets its target.
enum Verdict: String, Codable, Sendable {
    case met
    case missed
    case timedOut = "missed (timed out)"
    /// No target (a figure shown for context), or no baseline to compute the target from.
    case info = "-"
    case noBaseline = "no baseline"
}

/// One row of the results: a measured figure beside its target and the baseline it is judged against.
struct Figure: Codable, Sendable {
    var scenario: String
    var name: String
    /// nil when nothing could be measured (time-out before the figure).
    var value: Double?
    var unit: String
    /// The target as text ("<= 2 x baseline = 3.1 ms").
    var target: String
    /// The pgbench figure the target is computed from, if any.
    var baseline: String?
    var verdict: Verdict
}

/// A target: how a figure is judged.
enum Target: Sendable {
    case none
    case atMost(Double)
    case atLeast(Double)
    /// A target relative to a baseline that this run did not measure.
    case missingBaseline

    func judge(_ value: Double?) -> Verdict {
        guard let value else {
            if case .none = self { return .info }
            return .missed
        }
        switch self {
        case .none: return .info
        case .missingBaseline: return .noBaseline
        case .atMost(let limit): return value <= limit ? .met : .missed
        case .atLeast(let limit): return value >= limit ? .met : .missed
        }
    }
}

/// Everything measured in one run; safe to add to from any task.
final class Report: Sendable {
    struct ScenarioRun: Codable, Sendable {
        var scenario: String
        var seconds: Double
        var loadBefore: String
        var loadAfter: String
        var timedOut: Bool
        var error: String?
        var notes: [String]
    }

    struct Contents: Codable, Sendable {
        var startedAt: String
        var machine: [String: String] = [:]
        var baseline: Baseline
        var settings: [String: String] = [:]
        var figures: [Figure] = []
        var runs: [ScenarioRun] = []
    }

    private let state: Mutex<Contents>

    init(baseline: Baseline) {
        let formatter = ISO8601DateFormatter()
        state = Mutex(Contents(startedAt: formatter.string(from: Date()), baseline: baseline))
    }

    var contents: Contents { state.withLock { $0 } }

    func setMachine(_ key: String, _ value: String) { state.withLock { $0.machine[key] = value } }
    func setSetting(_ key: String, _ value: String) { state.withLock { $0.settings[key] = value } }

    /// Records a figure and prints its row at once, so a long run shows progress.
    func add(
        _ scenario: String, _ name: String, _ value: Double?, unit: String, target: Target, targetText: String = "",
        baseline: String? = nil, verdict override: Verdict? = nil
    ) {
        let figure = Figure(
            scenario: scenario, name: name, value: value, unit: unit, target: targetText.isEmpty ? "-" : targetText,
            baseline: baseline, verdict: override ?? target.judge(value))
        state.withLock { $0.figures.append(figure) }
        print(Self.row(figure))
    }

    func addRun(_ run: ScenarioRun) { state.withLock { $0.runs.append(run) } }

    static func format(_ value: Double?, _ unit: String) -> String {
        guard let value else { return "-" }
        let number: String
        if value == value.rounded(), abs(value) < 1e12 {
            number = String(Int(value))
        } else if abs(value) >= 100 {
            number = String(format: "%.0f", value)
        } else if abs(value) >= 10 {
            number = String(format: "%.1f", value)
        } else {
            number = String(format: "%.2f", value)
        }
        return unit.isEmpty ? number : "\(number) \(unit)"
    }

    static func row(_ figure: Figure) -> String {
        "| \(figure.scenario) | \(figure.name) | \(format(figure.value, figure.unit)) | \(figure.target) | "
            + "\(figure.baseline ?? "-") | \(figure.verdict.rawValue) |"
    }

    static let header = "| scenario | figure | value | target | baseline | verdict |\n|---|---|---|---|---|---|"

    /// The whole table, in Markdown.
    func table() -> String {
        ([Self.header] + contents.figures.map(Self.row)).joined(separator: "\n")
    }

    func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(contents)
        try data.write(to: URL(fileURLWithPath: path))
    }
}

/// The pgbench figures of the same run: one UPDATE and one pg_notify per transaction.
struct Baseline: Codable, Sendable {
    var tps1: Double?
    var latencyMs1: Double?
    var tps8: Double?
    var latencyMs8: Double?
}
