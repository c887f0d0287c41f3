import Foundation
import MultidraftNumerics

extension BlockLuceSelection {
    /// How far (in log w) the step's table reaches beyond the current weights: e⁴ on both sides.
    static let environmentWiden = 4.0

    /// One **environment step** of the fit of an i.i.d. block: the weights that give every token exactly its target
    /// when the rivals' environment is frozen at the current weights.
    ///
    /// In a block of draft masses q, weights w, later mass l and n i.i.d. drafts
    /// (``iidBlockLaw(draftMasses:weights:later:drafts:route:)``),
    ///
    /// ```
    /// r_w(x) = q_x · K(w_x),    K(v) = n v ∫₀^∞ e^{−t v} Ψ(t) dt = n E[Ψ(U/v)],  U ~ Exp(1),
    /// Ψ(t) = (l + φ(t))^{n−1},  φ(t) = Σ_y q_y e^{−t w_y}
    /// ```
    ///
    /// so, given Ψ, a token's law depends on its own weight alone, through one increasing function K shared by the
    /// whole block (from n·l^{n−1} at v → 0 to n·(l + q(B))^{n−1} at v → ∞). The step freezes Ψ at the current
    /// weights, tabulates log K and its elasticity d log K/d log v ∈ (0, 1] on a grid of log v (step 0.1, the current
    /// range widened by e⁴ on both sides), and solves K(w'_x) = r*_x/q_x for every token by cubic Hermite
    /// interpolation of log v against log K (linear where the cubic leaves its interval; targets beyond the table
    /// move at most e⁴ past it, and the next step re-tabulates). The new weights are normalised to a largest weight
    /// of 1.
    ///
    /// Iterated, the step is a fixed point in the one function Ψ rather than in the block's weights; it is not proven
    /// to converge, and the fit keeps a step only while it brings r_w closer to r* (the safeguarded iteration of
    /// ``RealisedOptimalSelection`` takes over from there). Measured: on a block of 151,612 tokens and slope 1.0004
    /// (an instance of the `optimal_verifier` family, V = 152,064, T = 1.5, n = 8; a numpy prototype of this step)
    /// the largest relative error of r_w went 0.46 → 0.045 → 0.0024 → 9·10⁻⁵ in three steps, where the Newton-scaled
    /// iteration needed seven evaluations to reach 10⁻³; on the tests' blocks of 600 tokens it shrinks ×0.31 per
    /// step for n = 8 with nothing after the block and ×0.75–0.8 for n = 2 or with mass after it.
    ///
    /// - Parameters: `q`, `r` (targets r*) and `w` of the block's tokens (same order); tokens with q = 0 or r = 0
    ///   keep their weight (rescaled). `rule`: the rule of an evaluation at these very weights
    ///   (``iidBlockEvaluationAndRule(draftMasses:weights:later:drafts:route:threads:pointsPerDecade:elasticity:widen:)``
    ///   with `widen` ≥ ``environmentWiden``), used instead of building it again.
    /// - Returns: the new weights, or nil when fewer than two tokens have q, r > 0 or the table is not finite.
    /// - Complexity: one forward exponential sum (φ at the G nodes; none with `rule`) and O(grid · G) exponentials for
    ///   the table, then O(m log grid).
    static func iidEnvironmentStep(
        draftMasses q: [Double], targets r: [Double], weights w: [Double], later l: Double, drafts n: Int,
        pointsPerDecade: Int, threads: Int, rule given: IIDQuadratureRule? = nil
    ) -> [Double]? {
        let drafted = q.indices.filter { q[$0] > 0 && w[$0] > 0 }
        let active = drafted.filter { r[$0] > 0 }
        guard active.count >= 2, n >= 2 else { return nil }
        let widen = environmentWiden
        let rule: IIDQuadratureRule
        if let given, given.widen >= widen {
            rule = given
        } else {
            let qa = drafted.map { q[$0] }, wa = drafted.map { w[$0] }
            rule = quadratureCoefficients(
                q: qa, w: wa, later: l, drafts: n, fast: qa.count >= fastSumThreshold, threads: threads,
                pointsPerDecade: pointsPerDecade, widen: widen)
        }
        let (times, c, tail) = (rule.times, rule.coefficients, rule.tail)
        var wMin = Double.infinity, wMax = 0.0
        for i in drafted { wMin = min(wMin, w[i]); wMax = max(wMax, w[i]) }
        // The table: u_j = log v_j, y_j = log K(v_j), e_j = d y/d u = 1 − v Σ c t e^{−tv} / Σ c e^{−tv}.
        let du = 0.1, uLo = log(wMin) - widen, uHi = log(wMax) + widen
        let points = Int(((uHi - uLo) / du).rounded(.up)) + 1
        var u = [Double](repeating: 0, count: points), y = u, e = u
        for j in 0..<points {
            let uj = uLo + Double(j) * du, v = exp(uj)
            var zeroth = 0.0, first = 0.0
            for g in 0..<times.count {
                let a = times[g] * v
                if a > 745 { break }
                let term = c[g] * exp(-a)
                zeroth += term
                first += term * times[g]
            }
            let lower = tail.integrals(rate: v)
            zeroth += lower.zeroth
            first += lower.first
            guard zeroth > 0 else { return nil }
            u[j] = uj
            y[j] = log(Double(n) * v * zeroth)
            e[j] = min(1, max(1e-3, 1 - v * first / zeroth))
        }
        guard y.allSatisfy(\.isFinite) else { return nil }
        /// log v with log K(v) = target.
        func invert(_ target: Double) -> Double {
            if target <= y[0] { return max(u[0] - widen, u[0] + (target - y[0]) / e[0]) }
            if target >= y[points - 1] {
                return min(u[points - 1] + widen, u[points - 1] + (target - y[points - 1]) / e[points - 1])
            }
            var lo = 0, hi = points - 1 // y[lo] < target ≤ y[hi]
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if y[mid] < target { lo = mid } else { hi = mid }
            }
            let height = y[hi] - y[lo]
            guard height > 0 else { return u[lo] }
            let tau = (target - y[lo]) / height
            let linear = u[lo] + tau * (u[hi] - u[lo])
            let (t2, t3) = (tau * tau, tau * tau * tau)
            let cubic =
                (2 * t3 - 3 * t2 + 1) * u[lo] + (t3 - 2 * t2 + tau) * height / e[lo] + (-2 * t3 + 3 * t2) * u[hi]
                + (t3 - t2) * height / e[hi]
            return cubic.isFinite && cubic >= u[lo] && cubic <= u[hi] ? cubic : linear
        }
        var logWeights = w.map { $0 > 0 ? log($0) : -700 }
        for i in active { logWeights[i] = invert(log(r[i] / q[i])) }
        let top = logWeights.max() ?? 0
        guard top.isFinite else { return nil }
        return logWeights.map { exp(max($0 - top, -700)) }
    }
}
