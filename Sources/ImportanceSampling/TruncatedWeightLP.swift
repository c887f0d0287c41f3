import Distributions
import Solvers

/// The truncated weight LP with parameter s for K = 2 drafts (Khisti et al., arXiv 2410.18234). The structure is
/// **[reconstructed]** (<doc:Theory#Two-step-importance-sampling-schemes>, after the re-implementation described by Thomas,
/// Kitanovski, Goldblum, Pal, arXiv 2602.16994); the paper's own algorithm text and error bound were not available.
///
/// ```
/// rank:  tokens by d(x) = p(x) − q₁(x)q₂(x), descending, stable;  Ω₁ = the s best-ranked tokens, Ω₂ = the rest
/// fixed: pairs touching Ω₂ keep their better-ranked token;  p_I on Ω₂ by suffix sums (see RankedPairWeights)
/// LP:    maximise Σ_{x∈Ω₁} z_x  s.t.  z_x ≤ p(x),  z_x ≤ p_I(x),  0 ≤ W ≤ 1      (W: s×s, pairs inside Ω₁)
/// value: Σ_{x} min(p(x), p_I(x))  with p_I recomputed from the clamped W
/// ```
///
/// Properties [checked]: s = V gives alpha*; every s gives a value ≤ alpha*; s = 1 is the deterministic priority by
/// p − q₁q₂ (a pitfall: example KA gives coin 7/9 and membership 13/15, below single-draft SD's 1).
/// The optimal W (hence p_I) need not be unique; any optimal vertex is lossless with its own p_I.
///
/// Pair variables are in mass units (coefficients ±1; see ``PairWeightLP``).
/// Size: at most s(s−1) + s variables and s rows. Complexity O(V log V + LP(s)).
public enum TruncatedWeightLP {
    /// The truncated LP's rule and its two-step quantities.
    public struct Solution: Sendable {
        public let weights: RankedPairWeights
        /// p_I recomputed from `weights`.
        public let intermediate: [Double]
        /// Σ_y min(p(y), p_I(y)) over all V tokens: the coin acceptance of the scheme.
        public let value: Double
        /// s.
        public let truncation: Int
    }

    /// Solves the truncated LP for X₁ ~ q₁, X₂ ~ q₂ and 1 ≤ s ≤ V.
    public static func solve(
        target p: Distribution, first q1: Distribution, second q2: Distribution, truncate s: Int,
        options: LPOptions = LPOptions()
    ) throws -> Solution {
        try requireVocabulary(p, [q1, q2])
        let v = p.vocabularySize
        guard s >= 1, s <= v else { throw ImportanceSamplingError.invalidTruncation(s: s, vocabularySize: v) }
        let order = RankedPairWeights.scoreOrder(target: p, first: q1, second: q2)
        var outside1 = 0.0, outside2 = 0.0
        for r in s..<v { outside1 += q1[order[r]]; outside2 += q2[order[r]] }
        let Q1 = order.prefix(s).map { q1[$0] }, Q2 = order.prefix(s).map { q2[$0] }
        var lp = LinearProgram(sense: .maximize)
        let z = (0..<s).map { lp.addVariable(lower: 0, upper: p[order[$0]], objective: 1) }
        var constant = (0..<s).map { Q1[$0] * Q2[$0] + Q1[$0] * outside2 + outside1 * Q2[$0] }
        // One variable per ordered rank pair (i, j), i ≠ j, of positive probability: W[i, j] keeps the better rank.
        var columns: [(i: Int, j: Int, column: Int)] = []
        var terms: [(row: Int, column: Int, coefficient: Double)] = []
        for i in 0..<s where Q1[i] > 0 {
            for j in 0..<s where j != i && Q2[j] > 0 {
                let mass = Q1[i] * Q2[j]
                let column = lp.addVariable(lower: 0, upper: mass) // mass units: m = Q₁ᵢQ₂ⱼ·W[i, j]
                columns.append((i, j, column))
                let better = min(i, j), worse = max(i, j)
                terms.append((better, column, -1)) // better-ranked token kept with W
                terms.append((worse, column, 1)) // worse-ranked token kept with 1 − W
                constant[worse] += mass
            }
        }
        let rows = (0..<s).map { lp.addConstraint([(z[$0], 1)], upper: constant[$0]) }
        for t in terms { lp.addEntry(row: rows[t.row], variable: t.column, coefficient: t.coefficient) }
        let solution = try PairWeightLP.solveChecked(lp, options)
        var free = [Double](repeating: 0.5, count: s * s)
        for c in columns { free[c.i * s + c.j] = min(1, max(0, solution.values[c.column] / (Q1[c.i] * Q2[c.j]))) }
        let weights = try RankedPairWeights(order: order, freeCount: s, freeWeights: free)
        let pI = weights.intermediate(drafts: [q1, q2])
        var value = 0.0
        for y in 0..<v { value += min(p[y], pI[y]) }
        return Solution(weights: weights, intermediate: pI, value: value, truncation: s)
    }
}
