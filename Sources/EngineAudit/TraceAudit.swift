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
/// Random numbers for the transforms: stream (seed, 2·n) for the output law and (seed, 2·n + 1) for the draft law
/// of the step on line n of the trace (record s of a binary container counts as line s + 2), so the verdict does not
/// depend on threads, on chunking or on the container.
///
/// Complexity: O(k) per emitted or drafted token for top-k laws (O(V) for dense ones) plus, per step, alpha* of the
/// root law (O(k log k) sparse, a dual scan dense) and the expected verifiers' exact acceptance.
public enum TraceAudit {
    public struct Options: Sendable {
        public var level: Double
        public var seed: UInt64
        public var expect: [String]
        public var registry: VerifierRegistry
        public init(
            level: Double = 0.001, seed: UInt64 = 1, expect: [String] = [], registry: VerifierRegistry = .standard
        ) {
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

        public static let header = [
            "check", "position", "count", "value", "std_error", "reference", "reference_value",
            "statistic", "p_value", "tv_lower_bound", "tokens_to_detect_0.01", "verdict"
        ]
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
        for step in steps { outputTransforms(step, seed: seed, into: &out, impossible: &impossible) }
        return (out, impossible)
    }

    static func outputTransforms(_ step: TraceStep, seed: UInt64, into out: inout [Double], impossible: inout Int) {
        var rng = Xoshiro256(seed: seed, stream: 2 * UInt64(step.line))
        for (j, y) in step.emitted.enumerated() {
            guard let law = step.targetLaw(forEmitted: j) else { continue } // checked by the reader
            let v = rng.nextUniform()
            guard law.cellMass(of: y) > 0 else { impossible += 1; continue }
            out.append(transform(law, y, v))
        }
    }

    /// Bernstein's bound on P(S − μ ≥ t) for a sum of independent Bernoulli variables with variance sum σ².
    static func bernstein(excess t: Double, variance: Double) -> Double {
        guard t > 0 else { return 1 }
        return min(1, exp(-t * t / (2 * (variance + t / 3))))
    }

    /// The uniforms of the draft-law test, the drafts with q = 0, and the drafts left out (without replacement from
    /// a sparse law, when an earlier draft hides in the rest cell).
    public static func draftTransforms(
        _ steps: [TraceStep], law: String, seed: UInt64
    ) -> (values: [Double], impossible: Int, skipped: Int) {
        var out: [Double] = [], impossible = 0, skipped = 0
        for step in steps {
            draftTransforms(step, law: law, seed: seed, into: &out, impossible: &impossible, skipped: &skipped)
        }
        return (out, impossible, skipped)
    }

    static func draftTransforms(
        _ step: TraceStep, law: String, seed: UInt64, into out: inout [Double], impossible: inout Int,
        skipped: inout Int
    ) {
        var rng = Xoshiro256(seed: seed, stream: 2 * UInt64(step.line) + 1)
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

    static func lawRow(_ check: String, _ values: [Double], impossible: Int, level: Double) -> Row {
        let test = UniformityTest(values)
        let p = impossible > 0 ? 0 : test.pValue
        return Row(
            check: check, count: values.count + impossible, value: test.statistic, statistic: test.statistic,
            pValue: p, defectLowerBound: test.defectLowerBound(level: level),
            tokensToDetect: UniformityTest.tokensToDetect(defect: 0.01, level: level),
            verdict: p < level ? (impossible > 0 ? "FAIL (\(impossible) tokens with probability 0)" : "FAIL") : "pass")
    }

    /// The root law of a step as a toolkit draft law with its target, for alpha* and reference verifiers.
    static func rootInstance(
        _ step: TraceStep, law: String
    ) throws -> (target: TraceLaw, models: [TraceLaw], name: DraftLawName, n: Int) {
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
        for _ in 0..<200 { // bisection on the survival function: exact enough and simple
            z = (lo + hi) / 2
            if 0.5 * erfc(z / 2.0.squareRoot()) > alpha { lo = z } else { hi = z }
        }
        return z
    }

    /// What a run of steps contributes to the audit: the transforms, the acceptance counts and the per-step
    /// references. Accumulators of consecutive chunks of a trace are merged in order (``append(_:)``), so a chunked,
    /// multi-threaded audit gives exactly the sequential result.
    public struct Accumulator: Sendable {
        var output: [Double] = [], outputImpossible = 0
        var draft: [Double] = [], draftImpossible = 0, draftSkipped = 0
        var accepted: [Int32] = [], depth: [Int32] = []
        var alphaLower: [Double] = [], alphaUpper: [Double] = [], alphaMissing = 0
        var expected: [[Double]], expectedMissing: [Int]
        /// Per step (kept on request): context, step, chains, depth, accepted, emitted.
        public var records: [(context: String, step: Int, chains: Int, depth: Int, accepted: Int, emitted: Int)] = []
        let keepRecords: Bool

        public init(expecting names: Int, keepRecords: Bool = false) {
            expected = Array(repeating: [], count: names)
            expectedMissing = Array(repeating: 0, count: names)
            self.keepRecords = keepRecords
        }

        public var stepCount: Int { accepted.count }

        public mutating func append(_ other: Accumulator) {
            output += other.output; outputImpossible += other.outputImpossible
            draft += other.draft; draftImpossible += other.draftImpossible; draftSkipped += other.draftSkipped
            accepted += other.accepted; depth += other.depth
            alphaLower += other.alphaLower; alphaUpper += other.alphaUpper; alphaMissing += other.alphaMissing
            for i in expected.indices {
                expected[i] += other.expected[i]; expectedMissing[i] += other.expectedMissing[i]
            }
            records += other.records
        }

        /// Adds one step: its transforms (random streams from its line number), acceptance and root references.
        public mutating func add(_ step: TraceStep, header: TraceHeader, options: Options) throws {
            outputTransforms(step, seed: options.seed, into: &output, impossible: &outputImpossible)
            draftTransforms(
                step, law: header.law, seed: options.seed, into: &draft, impossible: &draftImpossible,
                skipped: &draftSkipped)
            let a = step.acceptedCount, d = step.drafts.map(\.count).max() ?? 0
            accepted.append(Int32(a)); depth.append(Int32(d))
            if keepRecords {
                records.append((step.context, step.step, step.drafts.count, d, a, step.emitted.count))
            }
            let reference = try TraceAudit.rootReferences(step, header: header, options: options)
            if let alpha = reference.alpha {
                alphaLower.append(alpha.lower); alphaUpper.append(alpha.upper)
            } else {
                alphaMissing += 1
            }
            for i in expected.indices {
                if let value = reference.expected[i] { expected[i].append(value) } else { expectedMissing[i] += 1 }
            }
        }
    }

    /// alpha* of a step's root law (exact for dense laws, a bracket for sparse i.i.d./independent laws, nil for
    /// sparse laws without replacement) and each expected verifier's exact acceptance (dense root laws only).
    static func rootReferences(
        _ step: TraceStep, header: TraceHeader, options: Options
    ) throws
        -> (alpha: (lower: Double, upper: Double)?, expected: [Double?])
    {
        let root = try rootInstance(step, law: header.law)
        var expected = [Double?](repeating: nil, count: options.expect.count)
        if root.n == 1, options.expect.isEmpty, case .sparse(let pi, let pv, let pr) = root.target,
            case .sparse(let qi, let qv, let qr) = root.models[0]
        {
            return (overlapBracket(p: (pi, pv, pr), q: (qi, qv, qr)), expected)
        }
        let plan = BatchPlan(laws: [root.name], drafts: [root.n], verifiers: [], registry: options.registry)
        let qs = root.models.compactMap { $0.distribution(vocabularySize: header.vocabularySize) }
        if let p = root.target.distribution(vocabularySize: header.vocabularySize), qs.count == root.models.count {
            guard let law = BatchEvaluation.law(root.name, drafts: root.n, models: qs) else { return (nil, expected) }
            let value = try BatchEvaluation.alphaStar(target: p, law: law, limits: plan.limits)
            for (i, name) in options.expect.enumerated() {
                let entry = try options.registry.entry(named: name)
                guard entry.supports(law), let verifier = try? entry.make(p, law), let exact = verifier.exactAcceptance
                else { continue }
                expected[i] = exact
            }
            return ((value.lower, value.upper), expected)
        }
        guard root.name != .withoutReplacement else { return (nil, expected) }
        func sparse(_ l: TraceLaw) -> SparseRow {
            switch l {
            case .sparse(let i, let v, let r):
                return SparseRow(indices: i, values: v, rest: r, vocabularySize: header.vocabularySize)
            case .dense(let p):
                let listed = p.indices.filter { p[$0] > 0 }
                return SparseRow(
                    indices: listed, values: listed.map { p[$0] }, rest: 0, vocabularySize: header.vocabularySize)
            }
        }
        let rows = try BatchEvaluation.sparseRows(
            position: 0, target: sparse(root.target), models: root.models.map(sparse), plan: plan)
        if let r = rows.first, let lo = r.lower, let hi = r.upper { return ((lo, hi), expected) }
        return (nil, expected)
    }

    /// alpha* of one draft, Σ_t min(p(t), q(t)), bracketed from two top-k laws in O(k): the lower end counts
    /// the tokens both laws list (an unlisted token may carry none of its law's rest), the upper end adds min of the
    /// two lumps of everything else (merging tokens never lowers the overlap). These are ``SparseBounds``' spread and
    /// lumped completions for n = 1, without building them; with both rests 0 the lower end is exact (and O(k)
    /// where the dense route would cost O(V)).
    static func overlapBracket(
        p: (indices: [Int], values: [Double], rest: Double),
        q: (indices: [Int], values: [Double], rest: Double)
    ) -> (lower: Double, upper: Double) {
        // q's listed tokens in an open-addressing table (slot → position in q), then one pass over p's.
        var common = 0.0, pCommon = 0.0, qCommon = 0.0
        var capacity = 16
        while capacity < 2 * q.indices.count { capacity <<= 1 }
        withUnsafeTemporaryAllocation(of: (Int, Int).self, capacity: capacity) { table in
            table.initialize(repeating: (-1, 0))
            let mask = capacity - 1
            func slot(_ t: Int) -> Int { (t &* -7_046_029_254_386_353_131) >> 7 & mask }
            for (j, t) in q.indices.enumerated() {
                var h = slot(t)
                while table[h].0 != -1 { h = (h + 1) & mask }
                table[h] = (t, j)
            }
            for (i, t) in p.indices.enumerated() {
                var h = slot(t)
                while table[h].0 != -1 && table[h].0 != t { h = (h + 1) & mask }
                guard table[h].0 == t else { continue }
                let (u, v) = (p.values[i], q.values[table[h].1])
                common += min(u, v); pCommon += u; qCommon += v
            }
        }
        // With both rests 0 every token outside the common list has p = 0 or q = 0: the lower end is exact.
        if p.rest == 0 && q.rest == 0 { return (common, common) }
        let pLump = max(0, p.values.reduce(0, +) + p.rest - pCommon),
            qLump = max(0, q.values.reduce(0, +) + q.rest - qCommon)
        return (common, common + min(pLump, qLump))
    }

    /// The audit's rows for the steps in memory.
    public static func run(header: TraceHeader, steps: [TraceStep], options: Options) throws -> [Row] {
        var accumulator = Accumulator(expecting: options.expect.count)
        for step in steps { try accumulator.add(step, header: header, options: options) }
        return rows(accumulator, options: options)
    }

    /// Reads and audits a trace in chunks of `chunk` records on `threads` threads, without holding its steps: the
    /// rows, the skipped records' messages, and the accumulator (with per-step records when `keepSteps`). The result
    /// does not depend on `threads` or `chunk`. Without `skipInvalid` the first malformed record (in file order)
    /// throws.
    public static func audit(
        _ source: TraceSource, options: Options, skipInvalid: Bool = false, threads: Int = 1,
        keepSteps: Bool = false, chunk: Int = 4_096
    ) throws
        -> (rows: [Row], skipped: [String], accumulator: Accumulator)
    {
        let count = source.recordCount
        let pieces = (count + chunk - 1) / chunk
        var total = Accumulator(expecting: options.expect.count, keepRecords: keepSteps)
        var skipped: [String] = []
        // Rounds of a few chunks per thread bound the memory held at once.
        let round = max(1, threads) * 4
        var first = 0
        while first < pieces {
            let last = min(pieces, first + round)
            let parts = parallelMap(count: last - first, threads: max(1, threads)) {
                i -> Result<(Accumulator, [String]), Error> in
                let range = ((first + i) * chunk)..<min(count, (first + i + 1) * chunk)
                let read = source.steps(range, skipInvalid: skipInvalid)
                var part = Accumulator(expecting: options.expect.count, keepRecords: keepSteps)
                do {
                    for step in read.steps { try part.add(step, header: source.header, options: options) }
                } catch {
                    return .failure(error)
                }
                if let error = read.error { return .failure(error) }
                return .success((part, read.skipped))
            }
            for part in parts {
                let (accumulator, messages) = try part.get()
                total.append(accumulator)
                skipped += messages
            }
            first = last
        }
        return (rows(total, options: options), skipped, total)
    }

    /// The verdict rows from an accumulator.
    public static func rows(_ acc: Accumulator, options: Options) -> [Row] {
        var rows: [Row] = []
        rows.append(lawRow("output_law", acc.output, impossible: acc.outputImpossible, level: options.level))
        var draftRow = lawRow("draft_law", acc.draft, impossible: acc.draftImpossible, level: options.level)
        if acc.draftSkipped > 0 {
            draftRow.reference = "\(acc.draftSkipped) drafts left out (earlier draft in a sparse rest cell)"
        }
        rows.append(draftRow)
        let n = acc.stepCount

        // Definitions (vLLM's names).
        let a = mean(acc.accepted.map(Double.init))
        rows.append(
            Row(
                check: "mean_acceptance_length", count: n, value: 1 + a.mean, standardError: a.se,
                reference: "vLLM: 1 + accepted draft tokens per step (bonus or corrected token counted)"))
        rows.append(
            Row(
                check: "mean_accepted_tokens", count: n, value: a.mean, standardError: a.se,
                reference: "accepted draft tokens per step (no bonus)"))
        let depth = Int(acc.depth.max() ?? 0)
        if depth >= 1 {
            for j in 1...depth {
                let hits = zip(acc.depth, acc.accepted).filter { Int($0.0) >= j }.map { Int($0.1) >= j ? 1.0 : 0.0 }
                let m = mean(hits)
                rows.append(
                    Row(
                        check: "acceptance_rate", position: j, count: hits.count, value: m.mean, standardError: m.se,
                        reference: "vLLM per-position rate: P(position j accepted) over steps drafting ≥ j tokens"))
            }
        }

        // Root acceptance against alpha* and the expected verifiers.
        let rootHits = acc.accepted.map { $0 >= 1 ? 1.0 : 0.0 }
        let observed = mean(rootHits)
        let hits = rootHits.reduce(0, +)
        if acc.alphaMissing == 0 && !acc.alphaUpper.isEmpty {
            let lo = acc.alphaLower.reduce(0, +) / Double(n), hi = acc.alphaUpper.reduce(0, +) / Double(n)
            let mu = acc.alphaUpper.reduce(0, +), variance = acc.alphaUpper.reduce(0.0) { $0 + $1 * (1 - $1) }
            let p = bernstein(excess: hits - mu, variance: variance)
            let bracket = hi - lo > 1e-12 ? " (bracket \(lo)...\(hi) from sparse rows)" : ""
            rows.append(
                Row(
                    check: "root_acceptance", position: 1, count: n, value: observed.mean,
                    standardError: observed.se, reference: "alpha_star" + bracket, referenceValue: hi,
                    statistic: variance > 0 ? (hits - mu) / variance.squareRoot() : nil, pValue: p,
                    verdict: p < options.level ? "FAIL: above the optimum alpha*" : "pass"))
        } else {
            rows.append(
                Row(
                    check: "root_acceptance", position: 1, count: n, value: observed.mean,
                    standardError: observed.se,
                    reference: "alpha_star not available for every step (sparse laws without replacement)"))
        }
        for (i, name) in options.expect.enumerated() {
            let values = acc.expected[i]
            guard acc.expectedMissing[i] == 0, !values.isEmpty else {
                rows.append(
                    Row(
                        check: "root_acceptance", position: 1, count: n, value: observed.mean,
                        standardError: observed.se,
                        reference:
                            "\(name): no exact acceptance for every step (dense root laws and a supported law needed)"))
                continue
            }
            let ref = values.reduce(0, +) / Double(values.count)
            let mu = values.reduce(0, +), variance = values.reduce(0.0) { $0 + $1 * (1 - $1) }
            let above = bernstein(excess: hits - mu, variance: variance),
                below = bernstein(excess: mu - hits, variance: variance)
            rows.append(
                Row(
                    check: "root_acceptance", position: 1, count: n, value: observed.mean,
                    standardError: observed.se, reference: name, referenceValue: ref,
                    statistic: variance > 0 ? (hits - mu) / variance.squareRoot() : nil,
                    pValue: min(1, 2 * min(above, below)),
                    verdict: below < options.level / 2
                        ? "below \(name): a weaker implementation"
                        : (above < options.level / 2 ? "above \(name)" : "consistent with \(name)")))
        }
        return rows
    }
}
