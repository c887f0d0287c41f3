import ImportanceSampling
import MultidraftNumerics
import AcceptanceBounds
import Distributions
import Foundation
import MultidraftSupport

extension BlockLuceSelection {
    /// How ``iidBlockLaw(draftMasses:weights:later:drafts:route:)`` evaluates a block.
    public enum BlockLawRoute: Sendable, Equatable {
        /// The closed form where it has at most ``closedFormTermLimit`` terms per token, else the quadrature with
        /// direct sums below ``fastSumThreshold`` tokens and ``ExponentialSums`` from there on.
        case automatic
        /// The finite multinomial sum (any size; cost grows like C(n − 1 + m, m) per token).
        case closedForm
        /// The quadrature with direct (Kahan) sums of exponentials.
        case quadratureDirect
        /// The quadrature with ``ExponentialSums``.
        case quadratureFast
    }

    /// Largest number of multinomial terms per token for which `.automatic` takes the closed form (the quadrature
    /// costs about 3 × 150 exponentials per token).
    public static let closedFormTermLimit = 100
    /// Smallest block for which `.automatic` evaluates the quadrature's sums by ``ExponentialSums``.
    public static let fastSumThreshold = 64

    /// The selection law inside one block for n **i.i.d.** drafts.
    ///
    /// With l the draft mass after the block, the draws that avoid the earlier blocks are i.i.d.; a draw of y ∈ B
    /// carries weight w_y and Luce picks a draw with probability ∝ its weight. Writing 1/W = ∫₀^∞ e^{−tW} dt and
    /// averaging over the n draws,
    ///
    /// ```
    /// r_w(x) = n q_x w_x ∫₀^∞ e^{−t w_x} (l + φ(t))^{n−1} dt,      φ(t) = Σ_{y∈B} q_y e^{−t w_y}
    ///        = n q_x w_x Σ_{k₀+k₁+…+k_m = n−1} (n−1)!/(k₀!…k_m!) · l^{k₀} Π_y q_y^{k_y} / (w_x + Σ_y k_y w_y)
    /// Σ_{x∈B} r_w(x) = (l + q(B))ⁿ − lⁿ                              (the block's coverage increment)
    /// ```
    ///
    /// (The n − 1 other draws each contribute l + φ(t): a draw after the block adds no weight, a draw y in B adds
    /// e^{−t w_y}; a draw before the block is excluded. Expanding the power gives the finite sum.) A single-token
    /// block is r = (l + q_x)ⁿ − lⁿ. Every route is checked against enumeration of all draft tuples in the tests.
    ///
    /// **Closed form** (small blocks): C(n − 1 + m, m) positive terms per token, no cancellation.
    ///
    /// **Quadrature** (large blocks): t = eˢ, trapezoid rule in s, `pointsPerDecade` points per decade of t on
    /// [10⁻¹⁰/w_max, 40/w_min]. Below s_lo the integrand is t·Ψ(0)·(1 + O(t·w_max)), so the rule's lattice continues
    /// there in closed form (h Σ_{j≥1} e^{s_lo − jh} = t_lo·h/(eʰ − 1)), leaving no endpoint error (a plain
    /// half-weight endpoint leaves an Euler–Maclaurin term h²/12·t_lo ≈ 10⁻¹² relative). The integrand is analytic
    /// in the strip |Im s| < π/2, so the trapezoid error falls like e^{−π²/h}, h = ln 10 / pointsPerDecade
    /// (≈ 5·10⁻¹⁸ at 10 points per decade); the lattice tail's error is O((t_lo·w_max)²) ≈ 10⁻²⁰ relative, the upper
    /// tail's below e^{−40}. The two exponential sums (φ at every node, the integral at every token) are direct Kahan
    /// sums, or ``ExponentialSums`` (binned Taylor expansion, ~10⁻¹⁵ relative).
    ///
    /// - Parameters: `q` and `w` of the block's tokens (same order), `later` = l, `drafts` = n.
    /// - Complexity: closed form O(m·C(n−1+m, m)); quadrature G = pointsPerDecade · (10.6 + log₁₀(w_max/w_min))
    ///   nodes and O(m·G) exponentials (direct) or O((m + bins·G)·K) (``ExponentialSums``).
    public static func iidBlockLaw(
        draftMasses q: [Double], weights w: [Double], later l: Double, drafts n: Int,
        route: BlockLawRoute = .automatic
    ) -> [Double] {
        iidBlockEvaluation(draftMasses: q, weights: w, later: l, drafts: n, route: route, elasticity: false).law
    }

    /// ``iidBlockLaw(draftMasses:weights:later:drafts:route:)`` (with `pointsPerDecade` nodes per decade of the
    /// quadrature: 10 for exact values, fewer inside a fit) and, if asked, each token's elasticity
    /// ∂ log r_w(x) / ∂ log w_x at fixed φ: 1 − w_x ∫ t e^{−t w_x} Ψ / ∫ e^{−t w_x} Ψ ∈ (0, 1] (the diagonal of the
    /// fit's Newton step; 1 where it is not computed).
    static func iidBlockEvaluation(
        draftMasses q: [Double], weights w: [Double], later l: Double, drafts n: Int,
        route: BlockLawRoute = .automatic, threads: Int = 1, pointsPerDecade: Int = 10,
        elasticity wantElasticity: Bool
    ) -> (law: [Double], elasticity: [Double]) {
        let m = q.count
        var out = [Double](repeating: 0, count: m)
        var elasticity = [Double](repeating: 1, count: m)
        let active = (0..<m).filter { q[$0] > 0 }
        if active.isEmpty { return (out, elasticity) }
        if active.count == 1 {
            let x = active[0]
            out[x] = OptimalSelectionLaw.iidIncrement(later: l, block: q[x], drafts: n)
            return (out, elasticity)
        }
        if n == 1 {
            // One draw: it is selected whenever it lands in the block.
            for x in active { out[x] = q[x] }
            return (out, elasticity)
        }
        let qa = active.map { q[$0] }, wa = active.map { w[$0] }
        // (∫ e^{−t w} Ψ, ∫ t e^{−t w} Ψ) for every active token.
        let integrals: (zeroth: [Double], first: [Double]?)
        let terms = binomial(n - 1 + qa.count, qa.count)
        if route == .closedForm || (route == .automatic && terms <= Double(closedFormTermLimit)) {
            integrals = closedFormIntegrals(q: qa, w: wa, later: l, drafts: n, first: wantElasticity)
        } else {
            let fast = route == .quadratureFast || (route == .automatic && qa.count >= fastSumThreshold)
            integrals = quadratureIntegrals(
                q: qa, w: wa, later: l, drafts: n, fast: fast, first: wantElasticity,
                threads: threads, pointsPerDecade: pointsPerDecade)
        }
        for (i, x) in active.enumerated() {
            out[x] = Double(n) * q[x] * w[x] * integrals.zeroth[i]
            if let first = integrals.first, integrals.zeroth[i] > 0 {
                elasticity[x] = min(1, max(0.002, 1 - w[x] * first[i] / integrals.zeroth[i]))
            }
        }
        return (out, elasticity)
    }

    /// Σ over compositions k₀ + … + k_m = n − 1 of the multinomial weight c_k = (n−1)!/(k₀!…k_m!) l^{k₀} Π q^k, of
    /// c_k/(w_x + W_k) and (for the elasticity) c_k/(w_x + W_k)², W_k = Σ k_y w_y: the two integrals in closed form
    /// (∫₀^∞ e^{−tA} dt = 1/A, ∫₀^∞ t e^{−tA} dt = 1/A²).
    static func closedFormIntegrals(
        q: [Double], w: [Double], later l: Double, drafts n: Int, first: Bool
    )
        -> (zeroth: [Double], first: [Double]?)
    {
        let m = q.count
        var zeroth = [Double](repeating: 0, count: m)
        var firstMoments = [Double](repeating: 0, count: first ? m : 0)
        // later[k₀] = (n−1)!/k₀! · l^{k₀}: the factor of the mass after the block.
        var later = [Double](repeating: 0, count: n)
        later[0] = 1
        for k in stride(from: 1, to: n, by: 1) { later[0] *= Double(k) }
        for k0 in stride(from: 1, to: n, by: 1) { later[k0] = later[k0 - 1] * l / Double(k0) }
        // Depth-first over k_1…k_m with running coefficient Π q^k / k! and weight W; k₀ takes the rest.
        func visit(_ y: Int, remaining: Int, coefficient: Double, weight: Double) {
            if y == m {
                let c = coefficient * later[remaining]
                if c == 0 { return }
                for x in 0..<m {
                    let a = 1 / (w[x] + weight)
                    zeroth[x] += c * a
                    if first { firstMoments[x] += c * a * a }
                }
                return
            }
            var power = 1.0
            for k in 0...remaining {
                if k > 0 { power *= q[y] / Double(k) }
                if power == 0 { break }
                visit(
                    y + 1, remaining: remaining - k, coefficient: coefficient * power, weight: weight + Double(k) * w[y]
                )
            }
        }
        visit(0, remaining: n - 1, coefficient: 1, weight: 0)
        return (zeroth, first ? firstMoments : nil)
    }

    /// The two integrals by the log-space trapezoid rule (see ``iidBlockLaw(draftMasses:weights:later:drafts:route:)``).
    static func quadratureIntegrals(
        q qa: [Double], w wa: [Double], later l: Double, drafts n: Int, fast: Bool,
        first: Bool, threads: Int = 1, pointsPerDecade: Int = 10
    )
        -> (zeroth: [Double], first: [Double]?)
    {
        var wMin = Double.infinity, wMax = 0.0
        for x in wa { wMin = min(wMin, x); wMax = max(wMax, x) }
        let tLo = 1e-10 / wMax, tHi = 40 / wMin
        let h = log(10.0) / Double(pointsPerDecade)
        let g = Int((log(tHi) - log(tLo)) / h) + 2
        let times = (0..<g).map { exp(log(tLo) + Double($0) * h) }
        // Below 10 points per decade (inside a fit) the sums need no more accuracy than the rule: 8 Taylor terms and
        // terms below e^{−30} skipped (|t d| ≤ 0.15: truncation ~10⁻¹¹ relative).
        let sums =
            fast
            ? (pointsPerDecade >= 10 ? ExponentialSums(rates: wa) : ExponentialSums(rates: wa, terms: 8, cutoff: 30))
            : nil
        // φ(t_g) at every node; then c_g = h t_g Ψ(t_g) (half weight at the top), and at the lowest node also the
        // rule's lattice continued below it: h Σ_{j≥1} e^{s_lo − jh} = t_lo · h/(eʰ − 1).
        let phi: [Double] =
            sums?.forward(amplitudes: qa, times: times, threads: threads)
            ?? times.map { t in
                var sum = 0.0, comp = 0.0
                for i in 0..<qa.count { compensatedAdd(&sum, &comp, qa[i] * exp(-t * wa[i])) }
                return sum
            }
        var c = [Double](repeating: 0, count: g)
        for gi in 0..<g {
            let psi = integerPower(l + max(0, phi[gi]), n - 1)
            c[gi] = (gi == g - 1 ? 0.5 : 1) * h * times[gi] * psi
            if gi == 0 { c[gi] += tLo * h / expm1(h) * psi }
        }
        if let sums { return sums.transposed(coefficients: c, times: times, firstMoment: first, threads: threads) }
        func transform(_ c: [Double]) -> [Double] {
            wa.map { wi in
                var sum = 0.0, comp = 0.0
                for gi in 0..<g where c[gi] > 0 { compensatedAdd(&sum, &comp, c[gi] * exp(-times[gi] * wi)) }
                return sum
            }
        }
        return (transform(c), first ? transform(zip(c, times).map { $0 * $1 }) : nil)
    }

    /// C(a, b) as a Double.
    static func binomial(_ a: Int, _ b: Int) -> Double {
        var result = 1.0
        for i in 0..<min(b, a - b) { result = result * Double(a - i) / Double(i + 1) }
        return result
    }
}
