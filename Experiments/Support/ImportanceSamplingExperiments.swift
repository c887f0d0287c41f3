import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// (b) The three-token sweeps of <doc:Theory#Test-vectors> in the style of Khisti et al.'s Figure 2 (K = 2
/// identical drafts, u uniform on 3 tokens, both readings of the letters): optimal, importance sampling (weight LP),
/// K-SEQ, RRS and single-draft acceptance. One item per sweep point; one row per method:
///
/// ```
/// experiment,reading,panel,point,x,target,draft,drafts,method,alpha
/// ```
///
/// Methods: `optimal` (prefix scan), `optimal_closed_form` (§7 formula), `importance_lp` (two-step scheme at the
/// weight-LP optimum, GLPK), `kseq` (``KSeqVerifier``), `rrs` (``RecursiveRejectionVerifier``), `single` (Σ min(p, q)).
/// Readings: 2 = target uniform, drafts v; 1 = target v, drafts uniform.
public enum ImportanceSweepExperiment: Experiment {
    public static let name = "importance_sweeps"
    public static let header = [
        "experiment", "reading", "panel", "point", "x", "target", "draft", "drafts", "method", "alpha"
    ]

    /// One sweep point: v = (first, x, total − x) with x = total·point/12.
    public struct Item: Sendable {
        /// 2: target u, drafts v (toolkit letters on the paper's caption); 1: target v, drafts u (letters swapped).
        public let reading: Int
        /// "left": v = (1/3, x, 2/3 − x);  "right": v = (1/6, x, 5/6 − x).
        public let panel: String
        public let first: Double
        public let total: Double
        /// j = 0…12.
        public let point: Int
        public var x: Double { total * Double(point) / 12 }
    }

    /// The acceptances at one point.
    public struct Point: Sendable {
        public let item: Item
        public let target: Distribution
        public let draft: Distribution
        /// alpha* by the prefix scan min_S [p(S) + 1 − q(S)²].
        public let optimal: Double
        /// alpha* by the three-token closed form of optimal-acceptance.md §7.
        public let optimalClosedForm: Double
        /// Σ min(p, p_I) at the weights of the K = 2 weight LP (GLPK), identical-draft form.
        public let importanceLP: Double
        public let kSequential: Double
        public let recursiveRejection: Double
        public let single: Double
    }

    /// The 4 × 13 points (both readings, both panels), at every scale.
    public static func items(scale: ExperimentScale) -> [Item] {
        var items: [Item] = []
        for reading in [2, 1] {
            for (panel, first, total) in [("left", 1.0 / 3, 2.0 / 3), ("right", 1.0 / 6, 5.0 / 6)] {
                for j in 0...12 {
                    items.append(Item(reading: reading, panel: panel, first: first, total: total, point: j))
                }
            }
        }
        return items
    }

    /// Computes one point: a tiny LP and the verifiers' own closed forms.
    public static func point(_ item: Item) throws -> Point {
        let raw = [item.first, item.x, max(0, item.total - item.x)]
        let u = Distribution.uniform(3), v = try Distribution(raw)
        let (p, q) = item.reading == 2 ? (u, v) : (v, u)
        let law = try DraftLaw.iid(q, drafts: 2)
        return Point(
            item: item, target: p, draft: q,
            optimal: try IdenticalDrafts.optimalAcceptance(target: p, draft: q, drafts: 2).alpha,
            optimalClosedForm: IdenticalDrafts.threeTokenOptimum(reading: item.reading, v: raw),
            importanceLP: try PairWeightLP.solveIdentical(target: p, draft: q).value,
            kSequential: try KSeqVerifier(target: p, law: law).acceptance,
            recursiveRejection: try RecursiveRejectionVerifier(target: p, law: law).acceptance,
            single: p.overlap(with: q))
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let point = try point(item)
        let (target, draft) = item.reading == 2 ? ("uniform", "v") : ("v", "uniform")
        let methods: [(String, Double)] = [
            ("optimal", point.optimal), ("optimal_closed_form", point.optimalClosedForm),
            ("importance_lp", point.importanceLP), ("kseq", point.kSequential),
            ("rrs", point.recursiveRejection), ("single", point.single)
        ]
        return methods.map { method, alpha in
            [
                .text("importance_sweep"), .integer(item.reading), .text(item.panel), .integer(item.point),
                .real(item.x),
                .text(target), .text(draft), .integer(2), .text(method), .real(alpha)
            ]
        }
    }
}

/// (b) K = 2, 4, 8 drafts on LLM-style synthetic distributions: the optimum against the importance-sampling tournament
/// (coin lower bound; exact membership at K = 2) and K-SEQ, RRS and single draft. One item per (vocabulary,
/// temperature, instance); one row per (K, method, truncation):
///
/// ```
/// experiment,quick,instance,vocab,temperature,drafts,method,truncate,alpha,elapsed_ms
/// ```
///
/// Instances: target logits −1.1·log(1 + rank) + N(0, 1) over a random permutation, draft logits = target + N(0, 1),
/// softmax at temperature 0.5 and 1; i.i.d. drafts. Methods: `optimal` (prefix scan, alpha*), `importance_lower_bound`
/// (tournament coin acceptance Σ min(p, r_{K−1}); `truncate` = s of every stage's truncated LP, V = full LP),
/// `importance_exact` (exact membership acceptance, K = 2 only: O(V²) enumeration), `kseq`, `rrs`, `single` (the
/// verifiers' closed forms). Instance i at temperature index t draws from `Xoshiro256(seed:stream: t·1000 + i)`.
/// Failed LPs give `nan`. Rows with `experiment = importance_table_real` are the real pair of the shipped export
/// (target SmolLM2-135M-Instruct, draft `layerskip`, T = 1, V = 49,152; `instance` = the dense position), with the
/// truncated LP s = 5 only.
public enum ImportanceTableExperiment: Experiment {
    public static let name = "importance_table"
    public static let header = [
        "experiment", "quick", "instance", "vocab", "temperature", "drafts", "method", "truncate",
        "alpha", "elapsed_ms"
    ]
    static let temperatures = [0.5, 1.0]
    static let draftCounts = [2, 4, 8]

    public struct Item: Sendable {
        public let vocab: Int
        public let temperatureIndex: Int
        public let instance: Int
        /// The truncation parameters s of the tournament's stages (V = the full weight LP).
        public let truncations: [Int]
        /// Whether the scale is below full (a column of the table).
        public let quick: Bool
        /// A dense position of the real pair (target SmolLM2-135M-Instruct, draft `layerskip`, T = 1, V = 49,152);
        /// nil: a synthetic instance. `instance` is then the position.
        public var position: Int? = nil
    }

    /// One value of the table.
    public struct Result: Sendable {
        public let drafts: Int
        public let method: String
        public let truncate: Int?
        public let alpha: Double
        public let milliseconds: Double
    }

    public static func items(scale: ExperimentScale) -> [Item] {
        let configurations: [(vocab: Int, instances: Int)]
        switch scale {
        case .tiny: configurations = [(12, 1)]
        case .quick: configurations = [(50, 2), (200, 2)]
        case .full: configurations = [(50, 10), (200, 10)]
        }
        var items: [Item] = []
        for (v, instances) in configurations {
            let truncations = Set(scale == .full ? [5, 10, 15, v] : [5, v]).filter { $0 <= v }.sorted()
            for t in temperatures.indices {
                for i in 0..<instances {
                    items.append(
                        Item(
                            vocab: v, temperatureIndex: t, instance: i, truncations: truncations,
                            quick: scale != .full))
                }
            }
        }
        // The real pair: only the truncated LP (s = 5) runs at V = 49,152 (the full weight LP and the O(V²) exact
        // membership do not).
        let positions = scale == .tiny ? [0] : (scale == .quick ? [0, 16] : [0, 8, 16, 24])
        for i in positions {
            items.append(
                Item(
                    vocab: 49_152, temperatureIndex: 1, instance: i, truncations: [5], quick: scale != .full,
                    position: i))
        }
        return items
    }

    /// The instance (p, q) of an item.
    public static func instance(_ item: Item, seed: UInt64) throws -> (p: Distribution, q: Distribution) {
        if let i = item.position {
            let (p, qs) = try RealPair.dense(position: i, drafts: ["layerskip"])
            return (p, qs[0])
        }
        var rng = Xoshiro256(seed: seed, stream: UInt64(item.temperatureIndex * 1_000 + item.instance))
        let targetLogits = Distribution.zipfLogits(item.vocab, exponent: 1.1, noise: 1, using: &rng)
        let draftLogits = targetLogits.map { $0 + Distribution.gaussian(using: &rng) }
        let temperature = temperatures[item.temperatureIndex]
        return (
            try Distribution(logits: targetLogits, temperature: temperature),
            try Distribution(logits: draftLogits, temperature: temperature)
        )
    }

    /// Every value of one item, K by K.
    public static func results(for item: Item, seed: UInt64) throws -> [Result] {
        let (p, q) = try instance(item, seed: seed)
        var results: [Result] = []
        for k in draftCounts {
            func add(_ method: String, _ truncate: Int?, _ alpha: Double, _ watch: Stopwatch) {
                results.append(
                    Result(
                        drafts: k, method: method, truncate: truncate, alpha: alpha,
                        milliseconds: watch.elapsedMilliseconds))
            }
            var watch = Stopwatch()
            add("optimal", nil, SubsetBound.prefixIID(target: p, draft: q, drafts: k).alpha, watch)
            let drafts = [Distribution](repeating: q, count: k)
            for s in item.truncations {
                watch = Stopwatch()
                let scheme = try? TwoStepScheme.tournament(
                    target: p, drafts: drafts, method: s == item.vocab ? .weightLP : .truncatedLP(s))
                add("importance_lower_bound", s, scheme?.coinAcceptance ?? .nan, watch)
                if k == 2, item.position == nil, let scheme {
                    watch = Stopwatch()
                    add("importance_exact", s, (try? scheme.exact())?.membershipAcceptance ?? .nan, watch)
                }
            }
            let law = try DraftLaw.iid(q, drafts: k)
            watch = Stopwatch()
            add("kseq", nil, try KSeqVerifier(target: p, law: law).acceptance, watch)
            watch = Stopwatch()
            add("rrs", nil, try RecursiveRejectionVerifier(target: p, law: law).acceptance, watch)
            watch = Stopwatch()
            add("single", nil, p.overlap(with: q), watch)
        }
        return results
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        try results(for: item, seed: context.seed).map { r in
            [
                .text(item.position == nil ? "importance_table" : "importance_table_real"),
                .integer(item.quick ? 1 : 0), .integer(item.instance), .integer(item.vocab),
                .real(temperatures[item.temperatureIndex]), .integer(r.drafts), .text(r.method),
                r.truncate.map { .integer($0) } ?? .empty, .real(r.alpha), .real(r.milliseconds)
            ]
        }
    }
}
