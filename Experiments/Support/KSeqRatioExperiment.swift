import Foundation
import Multidraft
import MultidraftIO

/// (c) How far below the optimum does SpecTr's K-SEQ fall? The ratio alpha_K-SEQ / alpha*_iid over random
/// instances (Dirichlet p and q at several concentrations) and over adversarially searched instances (a random
/// local search on the logits that minimises the ratio), against the proven guarantee 1 − (1 − 1/n)ⁿ ≥ 1 − 1/e.
/// RRS (with replacement) is reported alongside.
public enum KSeqRatioExperiment: Experiment {
    public static let name = "kseq_ratio"
    public static let header = [
        "family", "vocab", "drafts", "instance", "kseq", "rrs", "optimum", "kseq_ratio",
        "rrs_ratio", "guarantee_n", "guarantee_e", "search_steps"
    ]

    public struct Item: Sendable { let family: String, vocab: Int, drafts: Int, instance: Int }

    public static func items(scale: ExperimentScale) -> [Item] {
        let (vocabs, ns, randomCount, searches): ([Int], [Int], Int, Int)
        switch scale {
        case .tiny: (vocabs, ns, randomCount, searches) = ([3], [2], 3, 1)
        case .quick: (vocabs, ns, randomCount, searches) = ([2, 3, 5, 8], [2, 3, 4, 8], 50, 4)
        case .full: (vocabs, ns, randomCount, searches) = ([2, 3, 4, 5, 8, 16], [2, 3, 4, 6, 8, 16], 400, 16)
        }
        var items: [Item] = []
        for v in vocabs {
            for n in ns {
                for k in 0..<randomCount { items.append(Item(family: "random", vocab: v, drafts: n, instance: k)) }
                for k in 0..<searches { items.append(Item(family: "adversarial", vocab: v, drafts: n, instance: k)) }
            }
        }
        return items
    }

    static func steps(_ scale: ExperimentScale) -> Int {
        switch scale {
        case .tiny: return 20;
        case .quick: return 400;
        case .full: return 3_000
        }
    }

    /// (K-SEQ, RRS, alpha*) for a pair, all exact (closed forms and the prefix scan).
    static func values(_ p: Distribution, _ q: Distribution, _ n: Int) throws -> (Double, Double, Double) {
        let law = try DraftLaw.iid(q, drafts: n)
        let kseq = try KSeqVerifier(target: p, law: law).exactAcceptance ?? .nan
        let rrs = try RecursiveRejectionVerifier(target: p, law: law).exactAcceptance ?? .nan
        let optimum = try optimalAcceptance(target: p, law: law, method: .dual).alpha
        return (kseq, rrs, optimum)
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let v = item.vocab, n = item.drafts
        let guaranteeN = 1 - pow(1 - 1 / Double(n), Double(n))
        var p: Distribution, q: Distribution
        var stepsUsed = 0
        if item.family == "random" {
            let concentration = [0.1, 0.3, 1, 3][item.instance % 4]
            p = Distribution.dirichlet(v, concentration: concentration, using: &rng)
            q = Distribution.dirichlet(v, concentration: concentration, using: &rng)
        } else {
            // Random local search on logits minimising K-SEQ / alpha*, from a random start.
            var lp = (0..<v).map { _ in 2 * Distribution.gaussian(using: &rng) }
            var lq = (0..<v).map { _ in 2 * Distribution.gaussian(using: &rng) }
            func ratio(_ a: [Double], _ b: [Double]) throws -> Double {
                let (k, _, o) = try values(try Distribution(logits: a), try Distribution(logits: b), n)
                return o > 1e-9 ? k / o : 1
            }
            var best = try ratio(lp, lq)
            var scale = 1.0
            for step in 0..<steps(context.scale) {
                let a = lp.map { $0 + scale * Distribution.gaussian(using: &rng) }
                let b = lq.map { $0 + scale * Distribution.gaussian(using: &rng) }
                let r = try ratio(a, b)
                if r < best { best = r; lp = a; lq = b } else if step % 50 == 49 { scale *= 0.7 }
                stepsUsed = step + 1
            }
            p = try Distribution(logits: lp)
            q = try Distribution(logits: lq)
        }
        let (kseq, rrs, optimum) = try values(p, q, n)
        return [
            [
                .text(item.family), .integer(v), .integer(n), .integer(item.instance), .real(kseq), .real(rrs),
                .real(optimum), .real(optimum > 0 ? kseq / optimum : .nan), .real(optimum > 0 ? rrs / optimum : .nan),
                .real(guaranteeN), .real(1 - exp(-1)), .integer(stepsUsed)
            ]
        ]
    }
}
