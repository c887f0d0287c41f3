import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// (o) The engine audit (``TraceAudit``'s tests) on a simulated engine serving the **real** pair of the shipped
/// export (target SmolLM2-135M-Instruct, draft `layerskip`, the 32 dense positions at V = 49,152, cycled; the tiny
/// scale uses 4): how often
/// correct engines are flagged, and how many emitted tokens each re-created bug needs before it is.
///
/// Mechanisms (one draft token per step, token-level speculative sampling; the trace always reports the true q at
/// T = 1 and the true p):
/// - `correct`: draft x ~ q, accept with min(1, p(x)/q(x)), else a token from norm((p − q)_+);
/// - `correct-optimal-k2`: two i.i.d. drafts, the toolkit's optimal verifier;
/// - `accept-by-p` (a hypothetical bug class): accept x with probability p(x) (the ratio with q replaced by 1), on
///   rejection a token from p. (With the rejected token masked out of that p, as EAGLE's code does according to its
///   issue #329, the scheme is lossless: q(y)p(y) + p(y)(1 − q(y)) = p(y); the audit then passes the output law.)
/// - `topk-q-reported-full` (transformers #47932): draft from the top-10 tokens of q renormalised, verify with q;
/// - `temperature-mismatch`: draft from q at T = 1.2, verify with q at T = 1;
/// - `bf16-draft` (DeepSpec #31): draft from the softmax of the draft's logits rounded to bfloat16, verify with the
///   float32 q.
/// - `block-tokenwise-unadjusted` (vllm-ascend #7807, as that code's design notes describe it): a chain of γ = 2
///   drafts from q (the position's laws at both depths: a context-free chain), π_i = Π_{j≤i} min(1, p(x_j)/q(x_j))
///   against the running product of uniforms U_i = Π_{j≤i} u_j, the longest prefix i with π_i ≥ U_i accepted, the
///   correction from the token-wise residual norm((p − q)_+) instead of block verification's norm((π_τ p − q)_+).
///   Its first emitted token has the law q(y) r(y)(1 + β ln(1/r(y))) + P(τ = 0) norm((p − q)_+)(y), with
///   r = min(1, p/q), β = Σ min(p, q) and P(τ = 0) = 1 − β − β Σ_x q(x) r(x) ln(1/r(x)) (P(u_1 > r_1, u_1 u_2 ≤ r_1 r_2) =
///   r_1 r_2 ln(1/r_1) given the ratios); `tv_size` is that law's distance from p. Every emitted token of the block
///   enters the output-law test.
///
/// Correct verifiers in the false-positive rows: `correct` (token-level speculative sampling), `correct-optimal-k2`,
/// `correct-rrs-k2`, `correct-kseq-k2` (two i.i.d. drafts, the toolkit's verifiers) and `correct-block-g2` (block
/// verification of a γ = 2 chain, ``BlockVerification``, context-free at the position's laws).
/// Every mechanism's output law is known in closed form, out(y) = d(y)a(y) + (1 − Σ_x d(x)a(x)) r(y) (d: the law
/// drafted from, a: acceptance probability, r: the law after a rejection), so `tv_size` is the exact total-variation
/// distance ½ Σ |out − p| averaged over the positions, and `draft_tv_size` that of d from the reported q.
///
/// Rows: `false_positive` (seeds flagged at level 0.01, with a Wilson 99 % interval) and `detection` (the smallest
/// number of emitted tokens, on a grid, at which the test's p-value is below 1e-3; median over seeds).
public enum EngineAuditExperiment: Experiment {
    public static let name = "engine_audit"
    public static let header = [
        "kind", "mechanism", "test", "seeds", "tokens", "level", "flagged", "rate", "ci_low",
        "ci_high", "tv_size", "draft_tv_size", "median_tokens_to_flag", "tv_lower_bound",
        "elapsed_ms"
    ]
    public static let parallelItems = false

    public enum Item: Sendable { case falsePositive(String), detection(String) }

    static let bugs = [
        "accept-by-p", "topk-q-reported-full", "temperature-mismatch", "bf16-draft", "block-tokenwise-unadjusted"
    ]
    static let correctVerifiers = [
        "correct", "correct-optimal-k2", "correct-rrs-k2", "correct-kseq-k2", "correct-block-g2"
    ]

    public static func items(scale: ExperimentScale) -> [Item] {
        correctVerifiers.map { .falsePositive($0) } + (["correct"] + bugs).map { .detection($0) }
    }

    /// One position of the real pair: p, the reported q, and the mechanism's drafted law, acceptance and residual.
    struct Instance {
        let p: [Double]
        let q: [Double]
        let drafted: [Double]
        let accept: [Double]
        let rejection: [Double]
        let pCells: (below: [Double], mass: [Double])
        let qCells: (below: [Double], mass: [Double])
        var blockBug = false

        /// The first emitted token's law under the `block-tokenwise-unadjusted` mechanism (γ = 2, context-free).
        static func blockBugFirstToken(p: [Double], q: [Double]) -> [Double] {
            let r = zip(p, q).map { $1 > 0 ? min(1, $0 / $1) : 0 }
            let beta = zip(p, q).reduce(0.0) { $0 + min($1.0, $1.1) }
            var accepted = [Double](repeating: 0, count: p.count)
            for y in p.indices where r[y] > 0 { accepted[y] = q[y] * r[y] * (1 + beta * log(1 / r[y])) }
            let none = max(0, 1 - accepted.reduce(0, +))
            let residual = zip(p, q).map { max(0, $0 - $1) }
            let mass = residual.reduce(0, +)
            return accepted.indices.map { accepted[$0] + (mass > 0 ? none * residual[$0] / mass : 0) }
        }

        /// The law of the (first) emitted token, in closed form.
        var outputLaw: [Double] {
            if blockBug { return Self.blockBugFirstToken(p: p, q: q) }
            let accepted = zip(drafted, accept).map { $0 * $1 }
            let rest = 1 - accepted.reduce(0, +)
            return zip(accepted, rejection).map { $0 + rest * $1 }
        }
    }

    static func softmax(_ logits: [Double], temperature t: Double = 1) throws -> [Double] {
        try Distribution(logits: logits, temperature: t).probabilities
    }

    /// Rounds to bfloat16 (8 significant bits, round to nearest even) through Float's bit pattern.
    static func bfloat16(_ x: Double) -> Double {
        let bits = Float(x).bitPattern
        let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000
        return Double(Float(bitPattern: rounded))
    }

    /// The cell tables of the target's and the reported draft's law at each dense position, built once per process
    /// (every mechanism audits against the same laws; each table sorts V = 49,152 tokens).
    final class CellTables: @unchecked Sendable {
        private let lock = NSLock()
        private var tables: [Int: (p: (below: [Double], mass: [Double]), q: (below: [Double], mass: [Double]))] = [:]

        func tables(
            position i: Int, p: [Double], q: [Double]
        ) -> (p: (below: [Double], mass: [Double]), q: (below: [Double], mass: [Double])) {
            lock.lock()
            defer { lock.unlock() }
            if let known = tables[i] { return known }
            let made = (
                p: TraceLaw.dense(p).cellTable(vocabularySize: p.count),
                q: TraceLaw.dense(q).cellTable(vocabularySize: q.count)
            )
            tables[i] = made
            return made
        }
    }
    static let cellTables = CellTables()

    static func instances(_ mechanism: String, scale: ExperimentScale) throws -> [Instance] {
        let target = try RealPair.rows("dense_logits.safetensors:target")
        let draft = try RealPair.rows("dense_logits.safetensors:layerskip")
        return try (0..<(scale == .tiny ? 4 : target.positions)).map { i in
            guard case .dense(let tl) = try target.row(i), case .dense(let dl) = try draft.row(i) else {
                throw DatasetError.usage("dense rows expected")
            }
            let p = try softmax(tl), q = try softmax(dl)
            let v = p.count
            let residual: [Double] = {
                let r = zip(p, q).map { max(0, $0 - $1) }
                let s = r.reduce(0, +)
                return s > 0 ? r.map { $0 / s } : p
            }()
            let ratio = zip(p, q).map { $1 > 0 ? min(1, $0 / $1) : 0 }
            var drafted = q, accept = ratio, rejection = residual
            switch mechanism {
            case "accept-by-p": accept = p; rejection = p
            case "topk-q-reported-full":
                let top = Set(q.indices.sorted { q[$0] > q[$1] }.prefix(10))
                let kept = q.indices.map { top.contains($0) ? q[$0] : 0 }
                let s = kept.reduce(0, +)
                drafted = kept.map { $0 / s }
            case "temperature-mismatch": drafted = try softmax(dl, temperature: 1.2)
            case "bf16-draft": drafted = try softmax(dl.map(bfloat16))
            default: break
            }
            let cells = cellTables.tables(position: i, p: p, q: q)
            return Instance(
                p: p, q: q, drafted: drafted, accept: accept, rejection: rejection, pCells: cells.p, qCells: cells.q,
                blockBug: mechanism == "block-tokenwise-unadjusted")
        }
    }

    /// The output-law and draft-law transforms of `tokens` steps cycling over the positions.
    static func transforms(
        _ inst: [Instance], tables: [(drafted: AliasTable, rejection: AliasTable, target: AliasTable)], tokens: Int,
        seed: UInt64, stream: UInt64
    ) -> (output: [Double], draft: [Double]) {
        var rng = Xoshiro256(seed: seed, stream: stream)
        var output: [Double] = [], draft: [Double] = []
        output.reserveCapacity(tokens)
        draft.reserveCapacity(tokens)
        if inst.first?.blockBug == true {
            var t = 0
            while output.count < tokens {
                let i = t % inst.count
                t += 1
                let x = [tables[i].drafted.sample(using: &rng), tables[i].drafted.sample(using: &rng)]
                var pi = 1.0, u = 1.0, tau = 0
                for (j, xj) in x.enumerated() {
                    pi *= inst[i].accept[xj]
                    u *= rng.nextUniform()
                    if pi >= u { tau = j + 1 }
                }
                var emitted = Array(x[0..<tau])
                emitted.append(
                    tau == x.count ? tables[i].target.sample(using: &rng) : tables[i].rejection.sample(using: &rng))
                for xj in x {
                    draft.append(min(1, inst[i].qCells.below[xj] + rng.nextUniform() * inst[i].qCells.mass[xj]))
                }
                for y in emitted where output.count < tokens {
                    output.append(min(1, inst[i].pCells.below[y] + rng.nextUniform() * inst[i].pCells.mass[y]))
                }
            }
            return (output, draft)
        }
        for t in 0..<tokens {
            let i = t % inst.count
            let x = tables[i].drafted.sample(using: &rng)
            let y = rng.nextUniform() < inst[i].accept[x] ? x : tables[i].rejection.sample(using: &rng)
            draft.append(min(1, inst[i].qCells.below[x] + rng.nextUniform() * inst[i].qCells.mass[x]))
            output.append(min(1, inst[i].pCells.below[y] + rng.nextUniform() * inst[i].pCells.mass[y]))
        }
        return (output, draft)
    }

    /// Wilson score interval for k successes in n at normal quantile z.
    static func wilson(_ k: Int, _ n: Int, z: Double = 2.5758293035489) -> (Double, Double) {
        let (kk, nn) = (Double(k), Double(n))
        let phat = kk / nn, denom = 1 + z * z / nn
        let centre = (phat + z * z / (2 * nn)) / denom
        let half = z * (phat * (1 - phat) / nn + z * z / (4 * nn * nn)).squareRoot() / denom
        return (max(0, centre - half), min(1, centre + half))
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let watch = Stopwatch()
        let scale = context.scale
        switch item {
        case .falsePositive(let mechanism):
            let seeds = scale == .tiny ? 20 : (scale == .quick ? 200 : 400)
            let tokens = scale == .tiny ? 300 : (scale == .quick ? 2_000 : 5_000)
            let level = 0.01
            var flaggedOutput = 0, flaggedDraft = 0
            if mechanism.hasSuffix("-k2") {
                let name = mechanism.dropFirst("correct-".count).dropLast("-k2".count)
                let inst = try instances("correct", scale: scale)
                let verifiers = try inst.map { i -> any Verifier in
                    let (p, law) = (try Distribution(i.p), try DraftLaw.iid(try Distribution(i.q), drafts: 2))
                    return try makeVerifier(name: String(name), target: p, law: law)
                }
                let samplers = verifiers.map { $0.law.makeSampler() }
                for s in 0..<seeds {
                    var r = Xoshiro256(seed: context.seed, stream: UInt64(s))
                    var output: [Double] = [], draft: [Double] = []
                    for t in 0..<tokens {
                        let i = t % inst.count
                        let d = samplers[i].sample(using: &r)
                        let y = verifiers[i].verify(d, using: &r).token
                        for x in d {
                            draft.append(min(1, inst[i].qCells.below[x] + r.nextUniform() * inst[i].qCells.mass[x]))
                        }
                        output.append(min(1, inst[i].pCells.below[y] + r.nextUniform() * inst[i].pCells.mass[y]))
                    }
                    if UniformityTest(output).pValue < level { flaggedOutput += 1 }
                    if UniformityTest(draft).pValue < level { flaggedDraft += 1 }
                }
            } else if mechanism == "correct-block-g2" {
                let inst = try instances("correct", scale: scale)
                let blocks = try inst.map {
                    try BlockVerification(
                        model: try SequenceModel(target: try Distribution($0.p), draft: try Distribution($0.q)),
                        length: 2)
                }
                for s in 0..<seeds {
                    var r = Xoshiro256(seed: context.seed, stream: UInt64(s))
                    var output: [Double] = [], draft: [Double] = []
                    var t = 0
                    while output.count < tokens {
                        let i = t % inst.count
                        t += 1
                        let x = blocks[i].extend([], using: &r)
                        for y in blocks[i].verify(x, using: &r) where output.count < tokens {
                            output.append(min(1, inst[i].pCells.below[y] + r.nextUniform() * inst[i].pCells.mass[y]))
                        }
                        for xj in x {
                            draft.append(min(1, inst[i].qCells.below[xj] + r.nextUniform() * inst[i].qCells.mass[xj]))
                        }
                    }
                    if UniformityTest(output).pValue < level { flaggedOutput += 1 }
                    if UniformityTest(draft).pValue < level { flaggedDraft += 1 }
                }
            } else {
                let inst = try instances(mechanism, scale: scale)
                let tables = inst.map {
                    (AliasTable(weights: $0.drafted), AliasTable(weights: $0.rejection), AliasTable(weights: $0.p))
                }
                for s in 0..<seeds {
                    let tr = transforms(inst, tables: tables, tokens: tokens, seed: context.seed, stream: UInt64(s))
                    if UniformityTest(tr.output).pValue < level { flaggedOutput += 1 }
                    if UniformityTest(tr.draft).pValue < level { flaggedDraft += 1 }
                }
            }
            return [("output_law", flaggedOutput), ("draft_law", flaggedDraft)].map { test, flagged in
                let (lo, hi) = wilson(flagged, seeds)
                return [
                    .text("false_positive"), .text(mechanism), .text(test), .integer(seeds), .integer(tokens),
                    .real(level),
                    .integer(flagged), .real(Double(flagged) / Double(seeds)), .real(lo), .real(hi), .real(0), .real(0),
                    .empty, .empty, .real(watch.elapsedMilliseconds)
                ]
            }
        case .detection(let mechanism):
            let inst = try instances(mechanism, scale: scale)
            let tv =
                inst.map { i in 0.5 * zip(i.outputLaw, i.p).reduce(0.0) { $0 + abs($1.0 - $1.1) } }.reduce(0, +)
                / Double(inst.count)
            let draftTV =
                inst.map { i in 0.5 * zip(i.drafted, i.q).reduce(0.0) { $0 + abs($1.0 - $1.1) } }.reduce(0, +)
                / Double(inst.count)
            let seeds = scale == .tiny ? 2 : (scale == .quick ? 11 : 21)
            let maxTokens = scale == .tiny ? 5_000 : 1_000_000
            let grid = [500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000].filter {
                $0 <= maxTokens
            }
            let tables = inst.map {
                (AliasTable(weights: $0.drafted), AliasTable(weights: $0.rejection), AliasTable(weights: $0.p))
            }
            let alpha = 1e-3
            var firstFlag: [String: [Int?]] = ["output_law": [], "draft_law": []]
            var bounds: [String: [Double]] = ["output_law": [], "draft_law": []]
            for s in 0..<seeds {
                let tr = transforms(
                    inst, tables: tables, tokens: maxTokens, seed: context.seed, stream: 1_000 + UInt64(s))
                for (test, values) in [("output_law", tr.output), ("draft_law", tr.draft)] {
                    firstFlag[test]!.append(grid.first { UniformityTest(Array(values.prefix($0))).pValue < alpha })
                    bounds[test]!.append(UniformityTest(values).defectLowerBound(level: alpha))
                }
            }
            return ["output_law", "draft_law"].map { test in
                let hits = firstFlag[test]!
                let flagged = hits.compactMap { $0 }.count
                // median with unflagged seeds counted as beyond the grid
                let sorted = hits.map { $0 ?? Int.max }.sorted()
                let median = sorted[sorted.count / 2]
                let b = bounds[test]!.sorted()
                return [
                    .text("detection"), .text(mechanism), .text(test), .integer(seeds), .integer(maxTokens),
                    .real(alpha),
                    .integer(flagged), .real(Double(flagged) / Double(seeds)), .empty, .empty, .real(tv),
                    .real(draftTV),
                    median == Int.max ? .text(">\(maxTokens)") : .integer(median), .real(b[b.count / 2]),
                    .real(watch.elapsedMilliseconds)
                ]
            }
        }
    }
}
