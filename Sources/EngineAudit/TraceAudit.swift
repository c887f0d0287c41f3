import AcceptanceBounds
import Datasets
import Distributions
import Foundation
import MultidraftSupport
import Verifiers

/// The audit of an engine's trace (``TraceReader``): is its output law the target law, is its draft law the one it
/// reports, and is its acceptance what the theory allows?
///
/// - **Output law.** Every emitted token, given the context and the tokens before it, must follow p at that node.
///   Each gives a randomised probability-integral transform (cells in decreasing probability, see
///   ``TraceLaw/cell(of:)``); the pooled values are tested for uniformity (``UniformityTest``).
/// - **Draft law.** Every drafted token must follow the q the trace reports at its node (the first tokens of the chains
///   as the header's law says; without replacement: q renormalised over the tokens not yet drawn). Same test. A drafted
///   token with q = 0 proves the defect outright.
/// - **Acceptance.** Per step, the accepted draft tokens A (the longest prefix of the emitted tokens that is a drafted
///   path). Definitions as vLLM reports them: mean acceptance length 1 + E[A] (the bonus or corrected token counted),
///   E[A] without it, and per position j the rate P(A ≥ j) over the steps that drafted at least j tokens. At the
///   root, the number S of steps whose first emitted token is a draft against alpha*_s of each step's root law
///   (exact for dense laws, the upper end of the bracket for sparse i.i.d./independent laws): for a lossless verifier
///   the steps are independent given their contexts with success probabilities ≤ alpha*_s, so Bernstein's
///   inequality P(S − Σ a_s ≥ t) ≤ exp(−t²/(2(Σ a_s(1 − a_s) + t/3))) bounds the p-value of the excess at any n;
///   below the level, the engine is not lossless (or its p, q are not what it reports). Against each `expect`ed
///   verifier's exact acceptance a_s (dense laws) the same bound, both ways: below means a weaker implementation.
///
/// Random numbers for the transforms: stream (seed, 2·i) for the output law and (seed, 2·i + 1) for the draft law
/// of the i-th step read, so the verdict does not depend on threads (it does on which steps are audited).
public enum TraceAudit {
    public struct Options: Sendable {
        public var level: Double
        public var seed: UInt64
        public var expect: [String]
        public var registry: VerifierRegistry
        public init(level: Double = 0.001, seed: UInt64 = 1, expect: [String] = [], registry: VerifierRegistry = .standard) {
            (self.level, self.seed, self.expect, self.registry) = (level, seed, expect, registry)
        }
    }

    /// One line of the verdict.
    public struct Row: Sendable, Equatable {
        public var check: String
        public var position: Int? = nil
        public var count: Int
        public var value: Double
        public var standardError: Double? = nil
        public var reference: String = ""
        public var referenceValue: Double? = nil
        public var statistic: Double? = nil
        public var pValue: Double? = nil
        public var defectLowerBound: Double? = nil
        public var tokensToDetect: Int? = nil
        public var verdict: String = ""

        public static let header = ["check", "position", "count", "value", "std_error", "reference", "reference_value",
                                    "statistic", "p_value", "tv_lower_bound", "tokens_to_detect_0.01", "verdict"]
    }

    /// The transform of `token` under `law` with the uniform `v`.
    static func transform(_ law: TraceLaw, _ token: Int, _ v: Double) -> Double {
        let (below, mass) = law.cell(of: token)
        return min(1, below + v * mass)
    }

    /// The uniforms of the output-law test, one per emitted token, in trace order, and the emitted tokens with
    /// probability 0 under their target law.
    public static func outputTransforms(_ steps: [TraceStep], seed: UInt64) -> (values: [Double], impossible: Int) {
        var out: [Double] = [], impossible = 0
        for (s, step) in steps.enumerated() {
            var rng = Xoshiro256(seed: seed, stream: 2 * UInt64(s))
            for (j, y) in step.emitted.enumerated() {
                guard let law = step.targetLaw(forEmitted: j) else { continue }   // checked by the reader
                let v = rng.nextUniform()
                guard law.cellMass(of: y) > 0 else { impossible += 1; continue }
                out.append(transform(law, y, v))
            }
        }
        return (out, impossible)
    }

    /// Bernstein's bound on P(S − μ ≥ t) for a sum of independent Bernoulli variables with variance sum σ².
    static func bernstein(excess t: Double, variance: Double) -> Double {
        guard t > 0 else { return 1 }
        return min(1, exp(-t * t / (2 * (variance + t / 3))))
    }

    /// The uniforms of the draft-law test, the drafts with q = 0, and the drafts left out (without replacement from
    /// a sparse law, when an earlier draft hides in the rest cell).
    public static func draftTransforms(_ steps: [TraceStep], law: String, seed: UInt64) -> (values: [Double], impossible: Int, skipped: Int) {
        var out: [Double] = [], impossible = 0, skipped = 0
        for (s, step) in steps.enumerated() {
            var rng = Xoshiro256(seed: seed, stream: 2 * UInt64(s) + 1)
            var used: [Int] = []
            for (k, chain) in step.drafts.enumerated() {
                for (l, x) in chain.enumerated() {
                    var q = (l == 0 && (law == "iid" || law == "without-replacement")) ? step.q[0][0] : step.q[k][l]
                    if l == 0 && law == "without-replacement" && !used.isEmpty {
                        switch q {
                        case .dense(let values):
                            var w = values
                            for u in used { w[u] = 0 }
                            let t = w.reduce(0, +)
                            if t <= 0 { impossible += 1; continue }
                            q = .dense(w.map { $0 / t })
                        case .sparse(let indices, let values, let rest):
                            if used.contains(where: { !indices.contains($0) }) { skipped += 1; continue }
                            let w = zip(indices, values).map { used.contains($0.0) ? 0 : $0.1 }
                            let t = w.reduce(0, +) + rest
                            if t <= 0 { impossible += 1; continue }
                            q = .sparse(indices: indices, values: w.map { $0 / t }, rest: rest / t)
                        }
                    }
                    if l == 0 { used.append(x) }
                    let v = rng.nextUniform()
                    guard q.cellMass(of: x) > 0 else { impossible += 1; continue }
                    out.append(transform(q, x, v))
                }
            }
        }
        return (out, impossible, skipped)
    }

    static func lawRow(_ check: String, _ values: [Double], impossible: Int, level: Double) -> Row {
        let test = UniformityTest(values)
        let p = impossible > 0 ? 0 : test.pValue
        return Row(check: check, count: values.count + impossible, value: test.statistic, statistic: test.statistic,
                   pValue: p, defectLowerBound: test.defectLowerBound(level: level),
                   tokensToDetect: UniformityTest.tokensToDetect(defect: 0.01, level: level),
                   verdict: p < level ? (impossible > 0 ? "FAIL (\(impossible) tokens with probability 0)" : "FAIL") : "pass")
    }

    /// The root law of a step as a toolkit draft law with its target, for alpha* and reference verifiers.
    static func rootInstance(_ step: TraceStep, law: String) throws -> (target: TraceLaw, models: [TraceLaw], name: DraftLawName, n: Int) {
        let k = step.drafts.count
        switch law {
        case "independent": return (step.p[0][0], step.drafts.indices.map { step.q[$0][0] }, .independent, k)
        case "without-replacement": return (step.p[0][0], [step.q[0][0]], .withoutReplacement, k)
        default: return (step.p[0][0], [step.q[0][0]], .iid, k)
        }
    }

    static func mean(_ x: [Double]) -> (mean: Double, se: Double) {
        let n = Double(x.count)
        guard n > 0 else { return (.nan, .nan) }
        let m = x.reduce(0, +) / n
        let v = x.count > 1 ? x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / (n - 1) : 0
        return (m, (v / n).squareRoot())
    }

    /// The standard normal upper quantile z with P(Z > z) = α, by bisection on erfc (to 1e-10).
    static func normalQuantile(upper alpha: Double) -> Double {
        var z = 0.0, lo = 0.0, hi = 40.0
        for _ in 0..<200 {   // bisection on the survival function: exact enough and simple
            z = (lo + hi) / 2
            if 0.5 * erfc(z / 2.0.squareRoot()) > alpha { lo = z } else { hi = z }
        }
        return z
    }

    /// The audit's rows.
    public static func run(header: TraceHeader, steps: [TraceStep], options: Options) throws -> [Row] {
        var rows: [Row] = []
        let outputs = outputTransforms(steps, seed: options.seed)
        rows.append(lawRow("output_law", outputs.values, impossible: outputs.impossible, level: options.level))
        let drafts = draftTransforms(steps, law: header.law, seed: options.seed)
        var draftRow = lawRow("draft_law", drafts.values, impossible: drafts.impossible, level: options.level)
        if drafts.skipped > 0 { draftRow.reference = "\(drafts.skipped) drafts left out (earlier draft in a sparse rest cell)" }
        rows.append(draftRow)

        // Definitions (vLLM's names).
        let accepted = steps.map { Double($0.acceptedCount) }
        let a = mean(accepted)
        rows.append(Row(check: "mean_acceptance_length", count: steps.count, value: 1 + a.mean, standardError: a.se,
                        reference: "vLLM: 1 + accepted draft tokens per step (bonus or corrected token counted)"))
        rows.append(Row(check: "mean_accepted_tokens", count: steps.count, value: a.mean, standardError: a.se,
                        reference: "accepted draft tokens per step (no bonus)"))
        let depth = steps.map { $0.drafts.map(\.count).max() ?? 0 }.max() ?? 0
        if depth >= 1 {
            for j in 1...depth {
                let eligible = steps.filter { ($0.drafts.map(\.count).max() ?? 0) >= j }
                let hits = eligible.map { $0.acceptedCount >= j ? 1.0 : 0.0 }
                let m = mean(hits)
                rows.append(Row(check: "acceptance_rate", position: j, count: eligible.count, value: m.mean, standardError: m.se,
                                reference: "vLLM per-position rate: P(position j accepted) over steps drafting ≥ j tokens"))
            }
        }

        // Root acceptance against alpha* and the expected verifiers.
        let rootHits = steps.map { $0.acceptedCount >= 1 ? 1.0 : 0.0 }
        let observed = mean(rootHits)
        let hits = rootHits.reduce(0, +)
        var lowers: [Double] = [], uppers: [Double] = []
        var expected: [String: [Double]] = [:]
        for step in steps {
            let root = try rootInstance(step, law: header.law)
            let plan = BatchPlan(laws: [root.name], drafts: [root.n], verifiers: [], registry: options.registry)
            let qs = root.models.compactMap { $0.distribution(vocabularySize: header.vocabularySize) }
            if let p = root.target.distribution(vocabularySize: header.vocabularySize), qs.count == root.models.count {
                guard let law = BatchEvaluation.law(root.name, drafts: root.n, models: qs) else { continue }
                let value = try BatchEvaluation.alphaStar(target: p, law: law, maxIterations: plan.maxIterations)
                lowers.append(value.lower); uppers.append(value.upper)
                for name in options.expect {
                    let entry = try options.registry.entry(named: name)
                    guard entry.supports(law), let verifier = try? entry.make(p, law), let exact = verifier.exactAcceptance else { continue }
                    expected[name, default: []].append(exact)
                }
            } else if root.name != .withoutReplacement {
                func sparse(_ l: TraceLaw) -> SparseRow {
                    switch l {
                    case .sparse(let i, let v, let r): return SparseRow(indices: i, values: v, rest: r, vocabularySize: header.vocabularySize)
                    case .dense(let p):
                        let listed = p.indices.filter { p[$0] > 0 }
                        return SparseRow(indices: listed, values: listed.map { p[$0] }, rest: 0, vocabularySize: header.vocabularySize)
                    }
                }
                let sparseRows = try BatchEvaluation.sparseRows(position: 0, target: sparse(root.target),
                                                                models: root.models.map(sparse), plan: plan)
                if let r = sparseRows.first, let lo = r.lower, let hi = r.upper { lowers.append(lo); uppers.append(hi) }
            }
        }
        if !uppers.isEmpty && uppers.count == steps.count {
            let lo = lowers.reduce(0, +) / Double(lowers.count), hi = uppers.reduce(0, +) / Double(uppers.count)
            let mu = uppers.reduce(0, +), variance = uppers.reduce(0.0) { $0 + $1 * (1 - $1) }
            let p = bernstein(excess: hits - mu, variance: variance)
            let bracket = hi - lo > 1e-12 ? " (bracket \(lo)...\(hi) from sparse rows)" : ""
            rows.append(Row(check: "root_acceptance", position: 1, count: steps.count, value: observed.mean,
                            standardError: observed.se, reference: "alpha_star" + bracket, referenceValue: hi,
                            statistic: variance > 0 ? (hits - mu) / variance.squareRoot() : nil, pValue: p,
                            verdict: p < options.level ? "FAIL: above the optimum alpha*" : "pass"))
        } else {
            rows.append(Row(check: "root_acceptance", position: 1, count: steps.count, value: observed.mean,
                            standardError: observed.se, reference: "alpha_star not available for every step (sparse laws without replacement)"))
        }
        for name in options.expect {
            guard let values = expected[name], values.count == steps.count else {
                rows.append(Row(check: "root_acceptance", position: 1, count: steps.count, value: observed.mean,
                                standardError: observed.se, reference: "\(name): no exact acceptance for every step (dense root laws and a supported law needed)"))
                continue
            }
            let ref = values.reduce(0, +) / Double(values.count)
            let mu = values.reduce(0, +), variance = values.reduce(0.0) { $0 + $1 * (1 - $1) }
            let above = bernstein(excess: hits - mu, variance: variance), below = bernstein(excess: mu - hits, variance: variance)
            rows.append(Row(check: "root_acceptance", position: 1, count: steps.count, value: observed.mean,
                            standardError: observed.se, reference: name, referenceValue: ref,
                            statistic: variance > 0 ? (hits - mu) / variance.squareRoot() : nil, pValue: min(1, 2 * min(above, below)),
                            verdict: below < options.level / 2 ? "below \(name): a weaker implementation"
                                : (above < options.level / 2 ? "above \(name)" : "consistent with \(name)")))
        }
        return rows
    }
}
