import AcceptanceBounds
import Distributions
import Foundation
import MultidraftSupport

/// The optimal selection law r* realised by a concrete rule: block priority plus Luce weights fitted inside each
/// block (`shared/theory/optimal-verifier.md` §3), with the law r_w that the fitted weights *actually* induce.
///
/// ```
/// fit:        log w ← log w + log(r*/r_w) inside every block with more than one token (iterative scaling,
///             Anderson-accelerated), keeping the weights whose realised law loses the least acceptance
/// realised:   r_w, computed exactly (i.i.d.: ``BlockLuceSelection/iidBlockLaw(draftMasses:weights:later:drafts:pointsPerDecade:threads:)``;
///             any law with a small tuple law: enumeration)
/// coin acceptance  Σ_x min(p_x, r_w(x))
/// certified gap    alpha* − Σ_x min(p_x, r_w(x)) ≥ 0
/// ```
///
/// Only the side of p matters: in a block with slope < 1 a token costs acceptance only where r_w > p, in a block with
/// slope ≥ 1 only where r_w < p; so a fit that is exact to a relative error |s − 1| already has gap 0 on that block.
/// Single-token blocks are exact without fitting; blocks of p = 0 tokens (slope ∞) need none. **Losslessness does
/// not depend on the fit**: a two-step verifier built on ``realisedLaw`` is exact for any weights.
///
/// Existence of Luce weights with r_w = r* in every block is **unproven** (the note reports convergence on every
/// instance tried; here too on every small instance of the tests). Where the fit stops short, the gap says how much
/// acceptance it costs.
public struct RealisedOptimalSelection: Sendable {
    /// r*, its blocks and alpha*.
    public let optimal: OptimalSelectionLaw
    /// The rule: block priority + fitted weights.
    public let rule: BlockLuceSelection
    /// r_w, the law of the selected token under ``rule``.
    public let realisedLaw: [Double]
    /// Σ_x min(p_x, r_w(x)).
    public let coinAcceptance: Double
    /// alpha* − coin acceptance, clamped at 0 (both sides are exact to about 1e-13).
    public let certifiedGap: Double
    /// Fit iterations summed over blocks, and the largest number spent on one block.
    public let iterations: Int, maxBlockIterations: Int
    /// Blocks that needed a fit (more than one token, finite slope).
    public let fittedBlocks: Int

    /// How r_w is computed.
    public enum Method: String, Sendable {
        /// The closed form for i.i.d. drafts (any V).
        case iidQuadrature = "iid-quadrature"
        /// Enumeration of the tuple law (small V, any law with a tuple law).
        case enumeration
    }
    public let method: Method

    /// Largest number of draft tuples for the enumeration route.
    public static let maxEnumeratedTuples = 200_000

    /// Builds r*, fits the weights and computes r_w. i.i.d. drafts use the closed form at any V; without-replacement
    /// drafts need an enumerable tuple law (at most ``maxEnumeratedTuples`` tuples; beyond it
    /// ``ImportanceSamplingError/enumerationTooLarge(tuples:limit:)`` is thrown).
    public init(target p: Distribution, law: DraftLaw, maxIterations: Int = 60, threads: Int = 1) throws {
        let optimal = try OptimalSelectionLaw(target: p, law: law, threads: threads)
        let v = p.vocabularySize, n = law.drafts
        var tuples: [DraftTuple] = []
        let method: Method
        let q: Distribution
        switch law.kind {
        case .iid(let d): q = d; method = .iidQuadrature
        case .withoutReplacement(let d):
            q = d
            let count = law.estimatedTupleCount
            guard count <= Double(Self.maxEnumeratedTuples) else {
                throw ImportanceSamplingError.enumerationTooLarge(tuples: count, limit: Self.maxEnumeratedTuples)
            }
            tuples = try law.tupleLaw(maxTuples: Self.maxEnumeratedTuples)
            method = .enumeration
        default: throw AcceptanceError.methodNotExact(method: "selection hull", law: law.name)
        }
        let rStar = optimal.selectionLaw
        // Initial weights: for small q, r_w(x) ≈ n q_x w_x · const, so w ∝ r*/q.
        var weights = [Double](repeating: 1, count: v)
        for x in 0..<v where q[x] > 0 && rStar[x] > 0 { weights[x] = rStar[x] / q[x] }
        var realised = [Double](repeating: 0, count: v)
        var totalIterations = 0, maxIterationsUsed = 0, fitted = 0

        for (index, block) in optimal.blocks.enumerated() {
            let tokens = block.range.map { optimal.order[$0] }
            let needsFit = tokens.count > 1 && block.targetMass > 0 && block.draftMass > 0
            // Normalise the block's weights (max 1): Luce is scale-free, and this keeps e^{-t w} well scaled.
            var wMax = 0.0
            for x in tokens { wMax = max(wMax, weights[x]) }
            if wMax > 0 { for x in tokens { weights[x] = max(weights[x] / wMax, 1e-300) } }
            func law(_ w: [Double]) -> [Double] {
                switch method {
                case .iidQuadrature:
                    return BlockLuceSelection.iidBlockLaw(draftMasses: tokens.map { q[$0] }, weights: tokens.map { w[$0] },
                                                          later: block.laterDraftMass, drafts: n, threads: threads)
                case .enumeration:
                    let rule = BlockLuceSelection(drafts: n, blockOfToken: optimal.blockOfToken, weights: w)
                    let all = rule.selectionLaw(tuples: tuples.filter { t in t.tokens.contains { optimal.blockOfToken[$0] == index } })
                    return tokens.map { all[$0] }
                }
            }
            let under = block.isUnderSupplied
            func loss(_ r: [Double]) -> Double {
                var s = 0.0
                for (i, x) in tokens.enumerated() { s += under ? max(0, r[i] - p[x]) : max(0, p[x] - r[i]) }
                return s
            }
            var r = law(weights)
            guard needsFit else {
                for (i, x) in tokens.enumerated() { realised[x] = r[i] }
                continue
            }
            fitted += 1
            var bestLoss = loss(r), bestR = r, bestW = tokens.map { weights[$0] }
            // Iterative scaling in log-weights, x ← x + log(r*/r_w), accelerated by Anderson mixing over the last
            // `depth` iterates (plain scaling needs ~100 iterations on blocks whose slope is within 1e-3 of 1;
            // Anderson ~10–50).
            let active = tokens.indices.filter { rStar[tokens[$0]] > 0 && q[tokens[$0]] > 0 }
            var x = active.map { log(weights[tokens[$0]]) }
            var anderson = AndersonMixing(depth: 5)
            var it = 0
            while it < maxIterations && bestLoss > 0 {
                it += 1
                var residual = [Double](repeating: 0, count: active.count)
                for (j, i) in active.enumerated() where r[i] > 0 { residual[j] = log(rStar[tokens[i]] / r[i]) }
                x = anderson.next(point: x, residual: residual)
                let top = x.max() ?? 0
                guard top.isFinite else { break }
                for (j, i) in active.enumerated() {
                    x[j] = max(x[j] - top, -700)
                    weights[tokens[i]] = exp(x[j])
                }
                r = law(weights)
                let l = loss(r)
                if l < bestLoss { bestLoss = l; bestR = r; bestW = tokens.map { weights[$0] } }
            }
            totalIterations += it
            maxIterationsUsed = max(maxIterationsUsed, it)
            for (i, x) in tokens.enumerated() { realised[x] = bestR[i]; weights[x] = bestW[i] }
        }
        var coin = 0.0, comp = 0.0
        for x in 0..<v { compensatedAdd(&coin, &comp, min(p[x], realised[x])) }
        self.optimal = optimal
        self.rule = BlockLuceSelection(drafts: n, blockOfToken: optimal.blockOfToken, weights: weights)
        self.realisedLaw = realised
        self.coinAcceptance = coin
        self.certifiedGap = max(0, optimal.alpha - coin)
        self.iterations = totalIterations
        self.maxBlockIterations = maxIterationsUsed
        self.fittedBlocks = fitted
        self.method = method
    }
}
