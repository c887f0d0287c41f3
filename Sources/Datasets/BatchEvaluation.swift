import MultidraftIO
import AcceptanceBounds
import Distributions
import Foundation
import MultidraftSupport
import Simulation
import Verifiers

/// What `multidraft batch` computes at every position.
public struct BatchPlan: Sendable {
    /// Draft laws. iid, without-replacement, greedy and spechub use the first draft model; independent assigns the
    /// models to the n drafts cyclically (draft i from model i mod m).
    public var laws: [DraftLawName]
    /// Draft counts n (spechub: n = 2 only).
    public var drafts: [Int]
    /// Verifiers by registry name; each runs on the laws and n its registry entry supports.
    public var verifiers: [String]
    /// Monte-Carlo trials per (position, law, n, verifier) for verifiers without an exact formula (0: none).
    public var trials: Int
    public var seed: UInt64
    public var registry: VerifierRegistry
    /// The size limits of alpha*'s routing and of the verifiers that read them (the submodular minimisation's
    /// budget for independent drafts beyond the flow, the optimal verifier's plan).
    public var limits: Limits

    public init(
        laws: [DraftLawName], drafts: [Int], verifiers: [String], trials: Int = 0, seed: UInt64 = 1,
        registry: VerifierRegistry = .standard, limits: Limits = .standard
    ) {
        (self.laws, self.drafts, self.verifiers, self.trials, self.seed) = (laws, drafts, verifiers, trials, seed)
        (self.registry, self.limits) = (registry, limits)
    }
}

/// One observation: a position's alpha* (`verifier = alpha_star`) or a verifier's acceptance.
public struct BatchRow: Sendable, Equatable {
    /// What a row measures: alpha* of the law, or a registered verifier's acceptance.
    public enum Subject: Sendable, Hashable, CustomStringConvertible {
        case alphaStar
        case verifier(String)

        /// `alpha_star`, else a verifier's registered name.
        public init(_ text: String) { self = text == "alpha_star" ? .alphaStar : .verifier(text) }

        public var description: String {
            switch self {
            case .alphaStar: return "alpha_star"
            case .verifier(let name): return name
            }
        }
    }

    /// How a row's value was obtained.
    public enum Method: Sendable, Hashable, CustomStringConvertible {
        /// alpha* by this route of the library's routing (dual, flow, sfm, lp).
        case bound(BoundMethod)
        /// alpha* bracketed from top-k rows (``SparseBounds``): the value is the lower end.
        case sparseBounds
        /// A verifier's exact acceptance.
        case exact
        /// A verifier's Monte-Carlo estimate.
        case monteCarlo

        /// The column's text: a ``BoundMethod`` raw value, `sparse_bounds`, `exact` or `monte_carlo`.
        public init?(_ text: String) {
            switch text {
            case "sparse_bounds": self = .sparseBounds
            case "exact": self = .exact
            case "monte_carlo": self = .monteCarlo
            default:
                guard let route = BoundMethod(rawValue: text) else { return nil }
                self = .bound(route)
            }
        }

        public var description: String {
            switch self {
            case .bound(let route): return route.rawValue
            case .sparseBounds: return "sparse_bounds"
            case .exact: return "exact"
            case .monteCarlo: return "monte_carlo"
            }
        }
    }

    public let position: Int
    public let law: DraftLawName
    public let drafts: Int
    public let verifier: Subject
    /// alpha* (its certified upper value for independent drafts, its lower bound for sparse rows), or the verifier's
    /// exact acceptance, or its Monte-Carlo estimate.
    public let value: Double
    /// Proven bounds on alpha* (`alpha_star` rows; equal to value where exact).
    public let lower: Double?
    public let upper: Double?
    public let method: Method
    public let standardError: Double?
    public let trials: Int?

    public init(
        position: Int, law: DraftLawName, drafts: Int, verifier: Subject, value: Double, lower: Double?,
        upper: Double?, method: Method, standardError: Double?, trials: Int?
    ) {
        (self.position, self.law, self.drafts, self.verifier, self.value) = (position, law, drafts, verifier, value)
        (self.lower, self.upper, self.method, self.standardError, self.trials) = (
            lower, upper, method, standardError, trials
        )
    }

    public static let header = [
        "position", "law", "drafts", "verifier", "value", "lower", "upper", "method",
        "std_error", "trials"
    ]

    public var csv: [CSVValue] {
        [
            .integer(position), .text(law.rawValue), .integer(drafts), .text(verifier.description), .real(value),
            lower.map { .real($0) } ?? .empty, upper.map { .real($0) } ?? .empty, .text(method.description),
            standardError.map { .real($0) } ?? .empty, trials.map { .integer($0) } ?? .empty
        ]
    }
}

/// The per-position computation of `multidraft batch`: the same library calls as the single-instance commands
/// (`bound`, `simulate`), so batch values equal theirs.
public enum BatchEvaluation {
    /// The law `name` with n drafts from the models (nil when it cannot exist, e.g. more distinct drafts than tokens).
    public static func law(_ name: DraftLawName, drafts n: Int, models qs: [Distribution]) -> DraftLaw? {
        switch name {
        case .independent: return try? DraftLaw.independent((0..<n).map { qs[$0 % qs.count] })
        case .specHub: return n == 2 ? try? DraftLaw.specHub(qs[0]) : nil
        default: return try? DraftLaw.named(name, drafts: qs, count: n)
        }
    }

    /// alpha* with its proven bounds by the library's one routing (``alphaStarBracket(target:law:limits:)``):
    /// the dual scan / closed form where exact; for independent drafts submodular minimisation, with the max flow
    /// behind it while the draft-set graph fits, else its bracket after ``Limits/sfmIterations``.
    public static func alphaStar(
        target p: Distribution, law: DraftLaw, limits: Limits = .standard
    )
        throws -> (value: Double, lower: Double, upper: Double, method: BoundMethod)
    {
        let bound = try alphaStarBracket(target: p, law: law, limits: limits)
        return (bound.alpha, bound.lower, bound.upper, bound.method)
    }

    /// The rows of one position with dense distributions. Monte-Carlo streams are `(seed, stream: position)`, so
    /// values do not depend on sharding or threads. A verifier that refuses the instance (e.g. the `optimal`
    /// transport plan beyond its size limit) has no row; `skipped` says which and why.
    public static func rows(
        position: Int, target p: Distribution, models qs: [Distribution], plan: BatchPlan
    ) throws
        -> (rows: [BatchRow], skipped: [String])
    {
        var rows: [BatchRow] = []
        var skipped: [String] = []
        var rng = Xoshiro256(seed: plan.seed, stream: UInt64(position))
        for name in plan.laws {
            for n in plan.drafts {
                guard let law = law(name, drafts: n, models: qs) else { continue }
                let a = try alphaStar(target: p, law: law, limits: plan.limits)
                rows.append(
                    BatchRow(
                        position: position, law: name, drafts: n, verifier: .alphaStar, value: a.value,
                        lower: a.lower, upper: a.upper, method: .bound(a.method), standardError: nil, trials: nil))
                for verifierName in plan.verifiers {
                    let entry = try plan.registry.entry(named: verifierName)
                    guard entry.supports(law) else { continue }
                    let streamSeed = rng.next()
                    let verifier: any Verifier
                    let settings = VerifierSettings(limits: entry.settings.contains(.limits) ? plan.limits : nil)
                    do { verifier = try entry.makeWithSettings(p, law, settings) } catch {
                        skipped.append("\(verifierName) on \(law.name) with n = \(n): \(error)")
                        continue
                    }
                    if let exact = verifier.exactAcceptance {
                        rows.append(
                            BatchRow(
                                position: position, law: name, drafts: n, verifier: .verifier(verifierName),
                                value: exact, lower: nil, upper: nil, method: .exact, standardError: nil,
                                trials: nil))
                    } else if plan.trials > 0 {
                        let run = MonteCarlo.run(
                            anyVerifier: verifier, trials: plan.trials, seed: streamSeed, threads: 1)
                        rows.append(
                            BatchRow(
                                position: position, law: name, drafts: n, verifier: .verifier(verifierName),
                                value: run.acceptance, lower: nil, upper: nil, method: .monteCarlo,
                                standardError: run.standardError, trials: plan.trials))
                    }
                }
            }
        }
        return (rows, skipped)
    }

    /// The rows of one position with top-k rows: alpha* bracketed by ``SparseBounds`` (iid and independent laws;
    /// `value` is the lower bound, exact when `lower == upper`).
    public static func sparseRows(
        position: Int, target: SparseRow, models: [SparseRow], plan: BatchPlan
    ) throws -> [BatchRow] {
        let (lower, upper) = try SparseBounds.completions(target: target, drafts: models)
        var rows: [BatchRow] = []
        for name in plan.laws {
            for n in plan.drafts {
                guard let lowLaw = law(name, drafts: n, models: lower.1),
                    let highLaw = law(name, drafts: n, models: upper.1)
                else { continue }
                let lo = try alphaStar(target: lower.0, law: lowLaw, limits: plan.limits)
                let hi = try alphaStar(target: upper.0, law: highLaw, limits: plan.limits)
                rows.append(
                    BatchRow(
                        position: position, law: name, drafts: n, verifier: .alphaStar,
                        value: lo.lower, lower: lo.lower, upper: hi.upper, method: .sparseBounds,
                        standardError: nil, trials: nil))
            }
        }
        return rows
    }
}

/// Per (law, drafts, verifier): the mean over positions with its standard error and a normal 95 % interval,
/// accumulated in one pass (Welford), so memory does not grow with the number of positions.
package struct BatchSummary: Sendable {
    struct Key: Hashable, Comparable {
        let law: String, drafts: Int, verifier: String
        static func < (a: Key, b: Key) -> Bool { (a.law, a.drafts, a.verifier) < (b.law, b.drafts, b.verifier) }
    }
    struct Moments { var count = 0, mean = 0.0, m2 = 0.0, lower = 0.0, upper = 0.0, hasBounds = true }
    var cells: [Key: Moments] = [:]
    var order: [Key] = []

    package init() {}

    package mutating func add(_ row: BatchRow) {
        let key = Key(law: row.law.rawValue, drafts: row.drafts, verifier: row.verifier.description)
        if cells[key] == nil { cells[key] = Moments(); order.append(key) }
        var m = cells[key]!
        m.count += 1
        let delta = row.value - m.mean
        m.mean += delta / Double(m.count)
        m.m2 += delta * (row.value - m.mean)
        if let l = row.lower, let u = row.upper { m.lower += l; m.upper += u } else { m.hasBounds = false }
        cells[key] = m
    }

    package static let header = [
        "law", "drafts", "verifier", "mean", "std_error", "ci_low", "ci_high", "positions",
        "mean_lower", "mean_upper"
    ]

    /// One row per cell, in order of first appearance.
    package var rows: [[CSVValue]] {
        order.map { key in
            let m = cells[key]!
            let se = m.count > 1 ? (m.m2 / Double(m.count - 1)).squareRoot() / Double(m.count).squareRoot() : 0
            return [
                .text(key.law), .integer(key.drafts), .text(key.verifier), .real(m.mean), .real(se),
                .real(m.mean - 1.959963984540054 * se), .real(m.mean + 1.959963984540054 * se), .integer(m.count),
                m.hasBounds ? .real(m.lower / Double(m.count)) : .empty,
                m.hasBounds ? .real(m.upper / Double(m.count)) : .empty
            ]
        }
    }
}
