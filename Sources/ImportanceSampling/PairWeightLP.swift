import Distributions
import Solvers

/// The K = 2 weight LP of Khisti et al.'s Theorem 1 (arXiv 2410.18234), solved with GLPK: the optimal weights of
/// the two-step scheme for two independent, possibly non-identical drafts (<doc:Theory#Two-step-importance-sampling-schemes>,
/// [reconstructed; checked against the transport LP]).
///
/// ```
/// maximise   Σ_y z_y
/// subject to z_y ≤ p(y)
///            z_y − Σ_{b≠y} q₁(y)q₂(b) w(y,b) + Σ_{a≠y} q₁(a)q₂(y) w(a,y) ≤ q₂(y)·Σ_a q₁(a)     (z_y ≤ p_I(y))
///            0 ≤ w ≤ 1
/// ```
///
/// Its optimum equals the optimal-transport value alpha* = min_S [p(S) + 1 − q₁(S)q₂(S)]
/// (optimal-acceptance.md §6.5). Identical drafts (``solveIdentical(target:draft:)``) use one variable per unordered
/// pair, u(a,b) = P(keep a | {a,b}), with p_I(y) = q(y)² + Σ_{b≠y} 2q(y)q(b)u(y,b).
///
/// Only pairs of positive probability get a variable, and it is stored in mass units, m(a,b) = q₁(a)q₂(b)·w(a,b) ∈
/// [0, q₁(a)q₂(b)], so that every matrix coefficient is ±1: with w itself the coefficients are as small as q₁q₂,
/// and GLPK's absolute reduced-cost tolerance (1e-7) then stops the simplex up to ~1e-7 below the optimum.
/// z_y ≤ p(y) is a column bound. Size: at most V(V−1) + V
/// variables (V(V−1)/2 + V identical) and V rows; GLPK's simplex, typically well under a second for V ≤ 200.
/// After solving, w is clamped to [0, 1] and p_I is **recomputed from w** (never from z).
public enum PairWeightLP {
    /// An optimal weight function and the quantities of its two-step scheme.
    public struct Solution: Sendable {
        /// The optimal weights (clamped to [0, 1]); pairs of probability 0 get w = 1/2.
        public let weights: PairWeights
        /// p_I recomputed from `weights`.
        public let intermediate: [Double]
        /// Σ_y min(p(y), p_I(y)) from the recomputed p_I: the scheme's coin acceptance (= alpha* up to LP tolerance).
        public let value: Double
        /// The LP's own objective Σ z.
        public let lpObjective: Double
        /// GLPK simplex iterations.
        public let iterations: Int
    }

    /// The full LP for X₁ ~ q₁, X₂ ~ q₂ (ordered pairs).
    public static func solve(
        target p: Distribution, first q1: Distribution, second q2: Distribution,
        options: LPOptions = LPOptions()
    ) throws -> Solution {
        try requireVocabulary(p, [q1, q2])
        let v = p.vocabularySize
        var lp = LinearProgram(sense: .maximize)
        let z = (0..<v).map { lp.addVariable(lower: 0, upper: p[$0], objective: 1) }
        let total1 = q1.probabilities.reduce(0, +)
        let rows = (0..<v).map { y in lp.addConstraint([(z[y], 1)], upper: q2[y] * total1) }
        var pairs: [(a: Int, b: Int, column: Int)] = []
        for a in q1.support {
            for b in q2.support where a != b {
                let mass = q1[a] * q2[b]
                let column = lp.addVariable(lower: 0, upper: mass) // m(a,b) = q₁(a)q₂(b)·w(a,b)
                lp.addEntry(row: rows[a], variable: column, coefficient: -1) // keeps a: adds to p_I(a)
                lp.addEntry(row: rows[b], variable: column, coefficient: 1) // 1 − w goes to p_I(b)
                pairs.append((a, b, column))
            }
        }
        let solution = try solveChecked(lp, options)
        var table = [Double](repeating: 0.5, count: v * v)
        for pair in pairs {
            let mass = q1[pair.a] * q2[pair.b]
            table[pair.a * v + pair.b] = min(1, max(0, solution.values[pair.column] / mass))
        }
        let weights = PairWeights(unchecked: table, vocabularySize: v)
        return finish(p, weights, weights.pairIntermediate(first: q1, second: q2), solution)
    }

    /// The identical-draft LP (X₁, X₂ i.i.d. ~ q), one variable per unordered pair.
    public static func solveIdentical(
        target p: Distribution, draft q: Distribution,
        options: LPOptions = LPOptions()
    ) throws -> Solution {
        try requireVocabulary(p, [q])
        let v = p.vocabularySize
        var lp = LinearProgram(sense: .maximize)
        let z = (0..<v).map { lp.addVariable(lower: 0, upper: p[$0], objective: 1) }
        let support = q.support
        var constant = (0..<v).map { q[$0] * q[$0] }
        var pairs: [(a: Int, b: Int, column: Int)] = []
        for (k, a) in support.enumerated() {
            for b in support[(k + 1)...] {
                let mass = 2 * q[a] * q[b]
                pairs.append((a, b, lp.addVariable(lower: 0, upper: mass))) // m = 2q(a)q(b)·u(a,b)
                constant[b] += mass // u(b, a) = 1 − u(a, b): the constant part of p_I(b)
            }
        }
        let rows = (0..<v).map { y in lp.addConstraint([(z[y], 1)], upper: constant[y]) }
        for pair in pairs {
            lp.addEntry(row: rows[pair.a], variable: pair.column, coefficient: -1)
            lp.addEntry(row: rows[pair.b], variable: pair.column, coefficient: 1)
        }
        let solution = try solveChecked(lp, options)
        var table = [Double](repeating: 0.5, count: v * v)
        for pair in pairs {
            let u = min(1, max(0, solution.values[pair.column] / (2 * q[pair.a] * q[pair.b])))
            table[pair.a * v + pair.b] = u // (X₁, X₂) = (a, b): keep a with u
            table[pair.b * v + pair.a] = 1 - u // (X₁, X₂) = (b, a): keep b with 1 − u
        }
        let weights = PairWeights(unchecked: table, vocabularySize: v)
        return finish(p, weights, weights.pairIntermediate(first: q, second: q), solution)
    }

    /// Solves and throws unless GLPK reports an optimum.
    static func solveChecked(_ lp: LinearProgram, _ options: LPOptions) throws -> LPSolution {
        let solution: LPSolution
        do { solution = try lp.solve(options) } catch let error as LPError {
            throw ImportanceSamplingError.solverFailed(error.description)
        }
        guard solution.status == .optimal else {
            throw ImportanceSamplingError.solverFailed("status \(solution.status)")
        }
        return solution
    }

    static func finish(_ p: Distribution, _ weights: PairWeights, _ pI: [Double], _ solution: LPSolution) -> Solution {
        var value = 0.0
        for y in 0..<p.vocabularySize { value += min(p[y], pI[y]) }
        return Solution(
            weights: weights, intermediate: pI, value: value, lpObjective: solution.objective,
            iterations: solution.iterations)
    }
}
