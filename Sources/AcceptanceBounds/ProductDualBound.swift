import Solvers
import MultidraftNumerics
import Distributions
import Foundation

/// min_H F(H) = p(H) − Π_i q_i(H) for **independent drafts** (alpha* = 1 + min F) by an AM–GM dual: a certified
/// lower bound from one sort per dual point, closed against the best prefix set.
///
/// **Lower bound** (derived here). For weights c ∈ ℝⁿ₊ with Π c_i = 1 and every set H, AM–GM gives
///
/// ```
/// Π_i q_i(H) = Π_i c_i q_i(H) ≤ m_c(H)ⁿ,    m_c = (1/n) Σ_i c_i q_i      (a measure on tokens)
/// F(H) ≥ G_c(H) = p(H) − m_c(H)ⁿ,   and   min_H G_c(H) = min_k G_c(P_k)
/// ```
///
/// over the prefixes P_k of the order of increasing p_x / m_c(x) (tokens with m_c(x) = 0 only add p ≥ 0 and go
/// last). Proof of the prefix property: for t ∈ [0, m_c(V)] let φ(t) = min{Σ p_x θ_x : θ ∈ [0, 1]^V,
/// Σ m_c(x) θ_x = t}; the fractional knapsack is solved along the ratio order, so φ is convex and piecewise linear
/// with φ(m_c(P_k)) = p(P_k). Every set has p(H) ≥ φ(m_c(H)), so G_c(H) ≥ min_t [φ(t) − tⁿ]; on each linear piece of
/// φ the function φ(t) − tⁿ is concave and takes its minimum at an end, i.e. at some prefix. ∎ Hence
/// L(c) = min_k G_c(P_k) ≤ min F for **every** admissible c: a proof that needs no convergence.
///
/// **Upper bound.** F(P_k) on the same prefixes (every set gives one). AM–GM is tight at a set H when
/// c_i ∝ 1 / q_i(H), so the iteration c ← (Π_j q_j(H))^{1/n} / q_i(H) at the best set H so far closes the gap when the
/// minimiser of F is also a minimiser of G_c at those weights. That strong duality is **not proven, and fails**: it
/// held on 26 of 30 LLM-style instances (V = 32,000, n = 2–8, draft temperatures 0.8–3.0: gap ≤ 3e-14 after 1–4
/// sorts) and on ~80% of small random Dirichlet instances; where it fails the gap is intrinsic (1e-9 to 2e-5 on
/// those pairs: maximising L over c does not close it, since any c other than the tight one lowers G_c(H*)), and
/// the caller falls back to the general minimiser (``SubmodularMinimizer``).
///
/// - Complexity: O(V log V + V·n) per dual point; `maxRounds` points at most.
/// - Note: the certificate is the weight vector c with the prefix scan, not a point of the base polytope; the value
///   `lower` is exactly the scan's minimum (compensated prefix sums: a few ulps of 1).
public enum ProductDualBound {
    public struct Result: Sendable {
        /// min_k G_c(P_k) for the best c: a proven lower bound on min F.
        public let lower: Double
        /// F of `minimizer`, as accumulated along the order that found it.
        public let upper: Double
        /// The best set found (increasing tokens).
        public let minimizer: [Int]
        /// The dual weights c (Π c_i = 1) that prove `lower`.
        public let weights: [Double]
        /// Dual points tried (one sort each).
        public let rounds: Int
        public var gap: Double { upper - lower }
    }

    /// Alternates the prefix scan and the tight weights at the best set until upper − lower ≤ `tolerance` or
    /// `maxRounds` scans; returns the best lower and upper bounds seen.
    public static func minimize(
        target p: Distribution, drafts qs: [Distribution], tolerance: Double = 1e-12,
        maxRounds: Int = 12
    ) -> Result {
        let n = qs.count
        precondition(n >= 1 && qs.allSatisfy { $0.vocabularySize == p.vocabularySize })
        var c = [Double](repeating: 1, count: n)
        var best = (lower: -Double.infinity, upper: Double.infinity, set: [Int](), weights: c)
        var rounds = 0
        while rounds < maxRounds {
            rounds += 1
            let scan = self.scan(target: p, drafts: qs, weights: c)
            if scan.lower > best.lower { best.lower = scan.lower; best.weights = c }
            if scan.upper < best.upper { best.upper = scan.upper; best.set = scan.set }
            if best.upper - best.lower <= tolerance { break }
            // Tight weights at the best set: c_i ∝ 1 / q_i(H), normalised to Π c_i = 1 in log space.
            let masses = qs.map { q in best.set.reduce(0.0) { $0 + q[$1] } }
            let logs = masses.map { log(max($0, 1e-300)) }
            let mean = logs.reduce(0, +) / Double(n)
            let next = logs.map { exp(mean - $0) }
            if next == c { break }
            c = next
        }
        return Result(
            lower: best.lower, upper: best.upper, minimizer: best.set.sorted(), weights: best.weights,
            rounds: rounds)
    }

    /// One dual point: the ratio order of p / m_c, L(c) = min_k [p(P_k) − m_c(P_k)ⁿ] and the best prefix for F.
    static func scan(
        target p: Distribution, drafts qs: [Distribution], weights c: [Double]
    )
        -> (lower: Double, upper: Double, set: [Int])
    {
        let v = p.vocabularySize, n = qs.count
        var m = [Double](repeating: 0, count: v)
        for i in 0..<n { let q = qs[i].probabilities; for x in 0..<v { m[x] += c[i] * q[x] } }
        for x in 0..<v { m[x] /= Double(n) }
        // Increasing p/m; m = 0 last (their ratio is +∞), ties by token.
        let ratio = (0..<v).map { m[$0] > 0 ? p[$0] / m[$0] : Double.infinity }
        let order = (0..<v).sorted { ratio[$0] < ratio[$1] || (ratio[$0] == ratio[$1] && $0 < $1) }
        var pSum = 0.0, pComp = 0.0, mSum = 0.0, mComp = 0.0
        var a = [Double](repeating: 0, count: n), aComp = [Double](repeating: 0, count: n)
        var lower = 0.0, upper = 0.0, bestK = 0 // the empty prefix: G = F = 0
        for (k, x) in order.enumerated() {
            compensatedAdd(&pSum, &pComp, p[x])
            compensatedAdd(&mSum, &mComp, m[x])
            var product = 1.0
            for i in 0..<n { compensatedAdd(&a[i], &aComp[i], qs[i][x]); product *= a[i] }
            let g = pSum - pow(mSum, Double(n))
            if g < lower { lower = g }
            let f = pSum - product
            if f < upper { upper = f; bestK = k + 1 }
        }
        return (lower, upper, Array(order[0..<bestK]))
    }
}
