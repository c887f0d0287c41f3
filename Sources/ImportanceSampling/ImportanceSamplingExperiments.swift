import Foundation

/// One point of the three-token sweeps of `shared/theory/test-vectors.md` §5 (Khisti et al.'s Figure 2 style,
/// K = 2 identical drafts, u uniform on 3 tokens).
public struct ImportanceSweepPoint: Sendable {
    /// 2: target u, drafts v (toolkit letters on the paper's caption); 1: target v, drafts u (letters swapped).
    public let reading: Int
    /// "left": v = (1/3, x, 2/3 − x);  "right": v = (1/6, x, 5/6 − x).
    public let panel: String
    /// j = 0…12, x = total·j/12.
    public let point: Int
    public let x: Double
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

/// The 4 × 13 points of the three-token sweeps (both readings, both panels). Cost: 52 tiny LPs, a few ms.
public func importanceSamplingSweepPoints() throws -> [ImportanceSweepPoint] {
    let u = Distribution.uniform(3)
    var points: [ImportanceSweepPoint] = []
    for reading in [2, 1] {
        for (panel, first, total) in [("left", 1.0 / 3, 2.0 / 3), ("right", 1.0 / 6, 5.0 / 6)] {
            for j in 0...12 {
                let x = total * Double(j) / 12
                let raw = [first, x, max(0, total - x)]
                let v = try Distribution(raw)
                let (p, q) = reading == 2 ? (u, v) : (v, u)
                points.append(ImportanceSweepPoint(
                    reading: reading, panel: panel, point: j, x: x, target: p, draft: q,
                    optimal: try IdenticalDrafts.optimalAcceptance(target: p, draft: q, drafts: 2).alpha,
                    optimalClosedForm: IdenticalDrafts.threeTokenOptimum(reading: reading, v: raw),
                    importanceLP: try PairWeightLP.solveIdentical(target: p, draft: q).value,
                    kSequential: BaselineAcceptance.kSequential(target: p, draft: q, drafts: 2),
                    recursiveRejection: BaselineAcceptance.recursiveRejection(target: p, drafts: [q, q]),
                    single: BaselineAcceptance.single(target: p, draft: q)))
            }
        }
    }
    return points
}

/// The three-token sweeps of test-vectors.md §5 as a tidy long table, one row per (reading, panel, point, method):
///
/// ```
/// experiment,reading,panel,point,x,target,draft,drafts,method,alpha
/// ```
///
/// Methods: `optimal` (prefix scan), `optimal_closed_form` (§7 formula), `importance_lp` (two-step scheme at the
/// weight-LP optimum), `kseq` (SpecTr at ρ*), `rrs` (SpecInfer, with replacement), `single`. Readings: 2 = target
/// uniform, drafts v; 1 = target v, drafts uniform. The scheme's LP needs GLPK; should it fail, the row is `nan`.
public func importanceSamplingSweeps() -> CSVTable {
    var table = CSVTable(header: ["experiment", "reading", "panel", "point", "x", "target", "draft", "drafts",
                                  "method", "alpha"])
    guard let points = try? importanceSamplingSweepPoints() else { return table }
    for point in points {
        let (target, draft) = point.reading == 2 ? ("uniform", "v") : ("v", "uniform")
        let methods: [(String, Double)] = [
            ("optimal", point.optimal), ("optimal_closed_form", point.optimalClosedForm),
            ("importance_lp", point.importanceLP), ("kseq", point.kSequential),
            ("rrs", point.recursiveRejection), ("single", point.single),
        ]
        for (method, alpha) in methods {
            table.append([.text("importance_sweep"), .integer(point.reading), .text(point.panel), .integer(point.point),
                          .real(point.x), .text(target), .text(draft), .integer(2), .text(method), .real(alpha)])
        }
    }
    return table
}

/// K = 2, 4, 8 drafts on LLM-style synthetic distributions: the optimum against the importance-sampling tournament
/// and the baselines, as a tidy long table:
///
/// ```
/// experiment,seed,quick,instance,vocab,temperature,drafts,method,truncate,alpha,elapsed_ms
/// ```
///
/// Instances: target logits −1.1·log(1 + rank) + N(0, 1) over a random permutation, draft logits = target + N(0, 1),
/// softmax at temperature 0.5 and 1; i.i.d. drafts. Methods: `optimal` (prefix scan, alpha*), `importance_lower_bound`
/// (tournament coin acceptance Σ min(p, r_{K−1}); `truncate` = s of every stage's truncated LP, V = full LP),
/// `importance_exact` (exact membership acceptance, K = 2 only: O(V²) enumeration), `kseq`, `rrs`, `single`.
/// Quick: V ∈ {50, 200}, 2 instances, s ∈ {5, V}; full: V ∈ {50, 200}, 10 instances, s ∈ {5, 10, 15, V}.
/// Instance i of a configuration draws from `Xoshiro256(seed:stream:)` with a stream fixed by the configuration,
/// so every row is reproducible from its seed. Failed LPs give `nan`.
public func importanceSamplingTable(seed: UInt64, quick: Bool) -> CSVTable {
    importanceSamplingTable(seed: seed, quick: quick, vocabularies: [50, 200], instances: quick ? 2 : 10)
}

/// The table of ``importanceSamplingTable(seed:quick:)`` for chosen vocabularies and instance counts (tests).
public func importanceSamplingTable(seed: UInt64, quick: Bool, vocabularies: [Int], instances: Int) -> CSVTable {
    var table = CSVTable(header: ["experiment", "seed", "quick", "instance", "vocab", "temperature", "drafts", "method",
                                  "truncate", "alpha", "elapsed_ms"])
    let temperatures = [0.5, 1.0]
    let draftCounts = [2, 4, 8]
    for (vi, v) in vocabularies.enumerated() {
        for (ti, temperature) in temperatures.enumerated() {
            for instance in 0..<instances {
                let stream = UInt64((vi * temperatures.count + ti) * 1_000 + instance)
                var rng = Xoshiro256(seed: seed, stream: stream)
                let targetLogits = Distribution.zipfLogits(v, exponent: 1.1, noise: 1, using: &rng)
                let draftLogits = targetLogits.map { $0 + Distribution.gaussian(using: &rng) }
                guard let p = try? Distribution(logits: targetLogits, temperature: temperature),
                      let q = try? Distribution(logits: draftLogits, temperature: temperature) else { continue }
                for k in draftCounts {
                    func row(_ method: String, _ truncate: Int?, _ alpha: Double, _ milliseconds: Double) {
                        table.append([.text("importance_table"), .integer(Int(seed)), .integer(quick ? 1 : 0),
                                      .integer(instance), .integer(v), .real(temperature), .integer(k), .text(method),
                                      truncate.map { .integer($0) } ?? .empty, .real(alpha), .real(milliseconds)])
                    }
                    var watch = Stopwatch()
                    let optimum = SubsetBound.prefixIID(target: p, draft: q, drafts: k).alpha
                    row("optimal", nil, optimum, watch.elapsedMilliseconds)
                    let drafts = [Distribution](repeating: q, count: k)
                    for s in Set(quick ? [5, v] : [5, 10, 15, v]).filter({ $0 <= v }).sorted() {
                        watch = Stopwatch()
                        let scheme = try? TwoStepScheme.tournament(
                            target: p, drafts: drafts, method: s == v ? .weightLP : .truncatedLP(s))
                        row("importance_lower_bound", s, scheme?.coinAcceptance ?? .nan, watch.elapsedMilliseconds)
                        if k == 2, let scheme {
                            watch = Stopwatch()
                            let exact = (try? scheme.exact())?.membershipAcceptance ?? .nan
                            row("importance_exact", s, exact, watch.elapsedMilliseconds)
                        }
                    }
                    watch = Stopwatch()
                    row("kseq", nil, BaselineAcceptance.kSequential(target: p, draft: q, drafts: k), watch.elapsedMilliseconds)
                    watch = Stopwatch()
                    row("rrs", nil, BaselineAcceptance.recursiveRejection(target: p, drafts: drafts), watch.elapsedMilliseconds)
                    watch = Stopwatch()
                    row("single", nil, BaselineAcceptance.single(target: p, draft: q), watch.elapsedMilliseconds)
                }
            }
        }
    }
    return table
}
