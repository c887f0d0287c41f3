import AcceptanceBounds
import Distributions
import Foundation
import MultidraftSupport

extension BlockLuceSelection {
    /// The selection law inside one block for n **i.i.d.** drafts, in closed form up to one integral.
    ///
    /// With m_B the block's tokens, l the draft mass after the block, e the mass before it, the draws that avoid the
    /// earlier blocks are i.i.d.; a draw of y ∈ B carries weight w_y and Luce picks a draw with probability ∝ its
    /// weight. Writing 1/W = ∫₀^∞ e^{−tW} dt and averaging over the n draws,
    ///
    /// ```
    /// r_w(x) = n q_x w_x ∫₀^∞ e^{−t w_x} (l + φ(t))^{n−1} dt,      φ(t) = Σ_{y∈B} q_y e^{−t w_y}
    /// Σ_{x∈B} r_w(x) = (l + q(B))ⁿ − lⁿ                              (the block's coverage increment)
    /// ```
    ///
    /// (The n − 1 other draws each contribute l + φ(t): a draw after the block adds no weight, a draw y in B adds
    /// e^{−t w_y}; a draw before the block is excluded.) A single-token block needs no integral:
    /// r = (l + q_x)ⁿ − lⁿ. Checked against enumeration of all draft tuples in the tests (to 1e-13).
    ///
    /// Quadrature: t = eˢ, trapezoid rule in s with `pointsPerDecade` points per decade of t on
    /// [10⁻¹⁰/w_max, 40/w_min]. Below s_lo the integrand is t·Ψ(0)·(1 + O(t·w_max)), so the rule's lattice continues
    /// there in closed form (h Σ_{j≥1} e^{s_lo − jh} = t_lo·h/(eʰ − 1)), leaving no endpoint error (a plain half-weight
    /// endpoint leaves an Euler–Maclaurin term h²/12·t_lo ≈ 10⁻¹² relative). The integrand is analytic in the strip
    /// |Im s| < π/2, so the trapezoid error falls like e^{−π²/h}, h = ln 10 / pointsPerDecade (≈ 5·10⁻¹⁸ at 10 points
    /// per decade); the lattice tail's error is O((t_lo·w_max)²) ≈ 10⁻²⁰ relative, the upper tail's below e^{−40}. φ is summed with Kahan compensation. The grid is cut into fixed chunks whose partial integrals are
    /// added in a fixed order, so the result does not depend on `threads`.
    ///
    /// - Parameters: `q` and `w` of the block's tokens (same order), `later` = l, `drafts` = n.
    /// - Complexity: O(|B|·G) exponentials, G = pointsPerDecade · (10.6 + log₁₀(w_max/w_min)).
    public static func iidBlockLaw(draftMasses q: [Double], weights w: [Double], later l: Double, drafts n: Int,
                                   pointsPerDecade: Int = 10, threads: Int = 1) -> [Double] {
        let m = q.count
        var out = [Double](repeating: 0, count: m)
        let active = (0..<m).filter { q[$0] > 0 }
        if active.isEmpty { return out }
        if active.count == 1 {
            let x = active[0]
            out[x] = OptimalSelectionLaw.iidIncrement(later: l, block: q[x], drafts: n)
            return out
        }
        if n == 1 {
            // One draw: it is selected whenever it lands in the block.
            for x in active { out[x] = q[x] }
            return out
        }
        var wMin = Double.infinity, wMax = 0.0
        for x in active { wMin = min(wMin, w[x]); wMax = max(wMax, w[x]) }
        let tLo = 1e-10 / wMax, tHi = 40 / wMin
        let h = log(10.0) / Double(pointsPerDecade)
        let g = Int((log(tHi) - log(tLo)) / h) + 2
        let sLo = log(tLo)
        let qa = active.map { q[$0] }, wa = active.map { w[$0] }
        let k = qa.count
        func psi(_ t: Double, _ e: inout [Double]) -> Double {
            var sum = 0.0, comp = 0.0
            for i in 0..<k {
                let x = t * wa[i]
                let ei = x > 745 ? 0 : exp(-x)
                e[i] = ei
                compensatedAdd(&sum, &comp, qa[i] * ei)
            }
            return integerPower(l + sum, n - 1)
        }
        let chunks = min(16, g)
        let partials: [[Double]] = parallelMap(count: chunks, threads: max(1, threads)) { c in
            var acc = [Double](repeating: 0, count: k), comp = [Double](repeating: 0, count: k)
            var e = [Double](repeating: 0, count: k)
            let lo = c * g / chunks, hi = (c + 1) * g / chunks
            for gi in lo..<hi {
                let t = exp(sLo + Double(gi) * h)
                let weight = (gi == g - 1 ? 0.5 : 1) * h * t * psi(t, &e)
                if weight == 0 { continue }
                for i in 0..<k where e[i] > 0 { compensatedAdd(&acc[i], &comp[i], weight * e[i]) }
            }
            if c == 0 {
                // The lattice below s_lo, where the integrand is t·Ψ(0)·(1 + O(t·w_max)):
                // h Σ_{j≥1} e^{s_lo − jh} = t_lo · h/(eʰ − 1).
                let head = tLo * h / expm1(h) * psi(tLo, &e)
                for i in 0..<k { compensatedAdd(&acc[i], &comp[i], head * e[i]) }
            }
            return acc
        }
        for (i, x) in active.enumerated() {
            var integral = 0.0
            for part in partials { integral += part[i] }
            out[x] = Double(n) * q[x] * w[x] * integral
        }
        return out
    }
}
