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
    /// costs about 3 × 100 exponentials per token).
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
    /// [10⁻³/w_max, 40/w_min]. Below t_lo the rule's lattice t_j = t_lo e^{−jh} (j ≥ 1) is summed in closed form:
    /// with f(t) = e^{−t w_x} Ψ(t) = Σ_k f_k t^k (Ψ's Taylor coefficients from the block's moments Σ q_y w_y^k),
    /// h Σ_{j≥1} t_j f(t_j) = h Σ_k f_k t_lo^{k+1}/(e^{(k+1)h} − 1), the series cut where (n·t_lo·w_max)^k/k! < 10⁻¹⁹
    /// (about 8 terms). So the rule is the bi-infinite trapezoid sum, with no endpoint error. The integrand is
    /// analytic in the strip |Im s| < π/2, so the trapezoid error falls like e^{−π²/h}, h = ln 10 / pointsPerDecade
    /// (≈ 5·10⁻¹⁸ at 10 points per decade); the upper tail is below e^{−40}. The two exponential sums (φ at every
    /// node, the integral at every token) are direct Kahan sums, or ``ExponentialSums`` (binned Taylor expansion,
    /// ~10⁻¹⁵ relative). (Before the Taylor tail the rule started at 10⁻¹⁰/w_max with the zeroth-order tail
    /// t_lo·h/(eʰ − 1)·Ψ, error O((t_lo·w_max)²): seven more decades of nodes.)
    ///
    /// - Parameters: `q` and `w` of the block's tokens (same order), `later` = l, `drafts` = n.
    /// - Complexity: closed form O(m·C(n−1+m, m)); quadrature G = pointsPerDecade · (4.6 + log₁₀(w_max/w_min))
    ///   nodes and O(m·G) exponentials (direct) or O((m + bins·G)·K) (``ExponentialSums``), plus O(m·K²) for the
    ///   tails.
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
        let result = iidBlockEvaluationAndRule(
            draftMasses: q, weights: w, later: l, drafts: n, route: route, threads: threads,
            pointsPerDecade: pointsPerDecade, elasticity: wantElasticity)
        return (result.law, result.elasticity)
    }

    /// ``iidBlockEvaluation(draftMasses:weights:later:drafts:route:threads:pointsPerDecade:elasticity:)`` that also
    /// returns the quadrature rule it used (nil on the closed form and the trivial cases), with nodes up to
    /// 40·e^`widen`/w_min, so that an environment step at the same weights
    /// (``iidEnvironmentStep(draftMasses:targets:weights:later:drafts:pointsPerDecade:threads:rule:)``) reuses it
    /// instead of summing φ again. The extra nodes cost nothing in the binned sums (every rate has t·w > 40 there, past
    /// their cutoff); the direct sums (blocks under ``fastSumThreshold`` tokens) evaluate them.
    static func iidBlockEvaluationAndRule(
        draftMasses q: [Double], weights w: [Double], later l: Double, drafts n: Int,
        route: BlockLawRoute = .automatic, threads: Int = 1, pointsPerDecade: Int = 10,
        elasticity wantElasticity: Bool, widen: Double = 0
    ) -> (law: [Double], elasticity: [Double], rule: IIDQuadratureRule?) {
        let m = q.count
        var out = [Double](repeating: 0, count: m)
        var elasticity = [Double](repeating: 1, count: m)
        let active = (0..<m).filter { q[$0] > 0 }
        if active.isEmpty { return (out, elasticity, nil) }
        if active.count == 1 {
            let x = active[0]
            out[x] = OptimalSelectionLaw.iidIncrement(later: l, block: q[x], drafts: n)
            return (out, elasticity, nil)
        }
        if n == 1 {
            // One draw: it is selected whenever it lands in the block.
            for x in active { out[x] = q[x] }
            return (out, elasticity, nil)
        }
        let qa = active.count == m ? q : active.map { q[$0] }, wa = active.count == m ? w : active.map { w[$0] }
        // (∫ e^{−t w} Ψ, ∫ t e^{−t w} Ψ) for every active token.
        let integrals: (zeroth: [Double], first: [Double]?)
        var rule: IIDQuadratureRule?
        let terms = binomial(n - 1 + qa.count, qa.count)
        if route == .closedForm || (route == .automatic && terms <= Double(closedFormTermLimit)) {
            integrals = closedFormIntegrals(q: qa, w: wa, later: l, drafts: n, first: wantElasticity)
        } else {
            let fast = route == .quadratureFast || (route == .automatic && qa.count >= fastSumThreshold)
            let built = quadratureCoefficients(
                q: qa, w: wa, later: l, drafts: n, fast: fast, threads: threads, pointsPerDecade: pointsPerDecade,
                widen: widen)
            integrals = quadratureIntegrals(rule: built, rates: wa, first: wantElasticity, threads: threads)
            rule = built
        }
        for (i, x) in active.enumerated() {
            out[x] = Double(n) * q[x] * w[x] * integrals.zeroth[i]
            if let first = integrals.first, integrals.zeroth[i] > 0 {
                elasticity[x] = min(1, max(0.002, 1 - w[x] * first[i] / integrals.zeroth[i]))
            }
        }
        return (out, elasticity, rule)
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

    /// The two integrals by the log-space trapezoid rule (see ``iidBlockLaw(draftMasses:weights:later:drafts:route:)``)
    /// for the rates `wa` the rule was built for.
    static func quadratureIntegrals(
        rule: IIDQuadratureRule, rates wa: [Double], first: Bool, threads: Int = 1
    )
        -> (zeroth: [Double], first: [Double]?)
    {
        let times = rule.times, c = rule.coefficients
        var (zeroth, firstMoments): ([Double], [Double]?)
        if let sums = rule.sums {
            (zeroth, firstMoments) = sums.transposed(
                coefficients: c, times: times, firstMoment: first, threads: threads)
        } else {
            // Σ_g c_g e^{−t_g w} per token from the rule's stored exponentials, compensated, in node order.
            let m = wa.count
            func transform(_ c: [Double]) -> [Double] {
                var sum = [Double](repeating: 0, count: m), comp = sum
                for gi in 0..<times.count where c[gi] > 0 {
                    let base = gi * m
                    for i in 0..<m { compensatedAdd(&sum[i], &comp[i], c[gi] * rule.decay[base + i]) }
                }
                return sum
            }
            (zeroth, firstMoments) = (transform(c), first ? transform(zip(c, times).map { $0 * $1 }) : nil)
        }
        // the rule's own rates need only the series for t_lo·w_max (a widened rule carries more terms, for its table)
        let terms = rule.tail.termsUpToMaximumRate
        if first {
            for i in wa.indices {
                let tail = rule.tail.integrals(rate: wa[i], terms: terms)
                zeroth[i] += tail.zeroth
                firstMoments?[i] += tail.first
            }
        } else {
            for i in wa.indices { zeroth[i] += rule.tail.zerothIntegral(rate: wa[i], terms: terms) }
        }
        return (zeroth, firstMoments)
    }

    /// The part of the trapezoid rule below its first node t_lo: h Σ_{j≥1} t_j f(t_j) and h Σ_{j≥1} t_j² f(t_j) over
    /// the lattice t_j = t_lo e^{−jh}, for f(t) = e^{−t v} Ψ(t), summed in closed form from the Taylor series of f at
    /// 0 (Σ_{j≥1} t_j^{k+1} = t_lo^{k+1}/(e^{(k+1)h} − 1)).
    struct LowerTail: Sendable {
        /// The tails as power series in x = −t_lo·v: zeroth = h t_lo Σ_j a_j x^j/j!, first = h t_lo² Σ_j b_j x^j/j!,
        /// with a_j = Σ_i psi_i/(e^{(i+j+1)h} − 1) and b_j = Σ_i psi_i/(e^{(i+j+2)h} − 1) over i + j < terms, where
        /// Ψ(t_lo τ) = Σ_i psi_i τ^i (the Cauchy product of Ψ's series with e^{xτ}, summed over j last, so that a
        /// token costs one Horner pass and no allocation).
        let a: [Double], b: [Double]
        let tLo: Double, h: Double
        /// The terms that rates up to the block's largest weight need (``terms(drafts:scaledRate:)`` at t_lo·w_max);
        /// at most `a.count`.
        let termsUpToMaximumRate: Int

        /// Ψ = (l + φ)^{n−1} with φ(t) = Σ_y q_y e^{−t w_y}: the series of l + φ(t_lo τ) from the moments
        /// Σ q_y (t_lo w_y)^k / k! (alternating in k), raised to the power n − 1, cut at `terms`.
        init(
            q: [Double], w: [Double], later l: Double, drafts n: Int, tLo: Double, h: Double, terms: Int,
            termsUpToMaximumRate: Int
        ) {
            var base = [Double](repeating: 0, count: terms)
            for (qy, wy) in zip(q, w) {
                let x = -tLo * wy
                var term = qy
                for k in 0..<terms {
                    base[k] += term
                    term *= x / Double(k + 1)
                }
            }
            base[0] += l
            var psi = [Double](repeating: 0, count: terms)
            psi[0] = 1
            for _ in stride(from: 1, to: n, by: 1) {
                var next = [Double](repeating: 0, count: terms)
                for i in 0..<terms where psi[i] != 0 {
                    for j in 0..<(terms - i) { next[i + j] += psi[i] * base[j] }
                }
                psi = next
            }
            let zerothFactor = (0..<terms).map { 1 / expm1(Double($0 + 1) * h) }
            let firstFactor = (0..<terms).map { 1 / expm1(Double($0 + 2) * h) }
            var a = [Double](repeating: 0, count: terms), b = a
            for j in 0..<terms {
                for i in 0..<(terms - j) {
                    a[j] += psi[i] * zerothFactor[i + j]
                    b[j] += psi[i] * firstFactor[i + j]
                }
            }
            (self.a, self.b, self.tLo, self.h) = (a, b, tLo, h)
            self.termsUpToMaximumRate = max(1, min(terms, termsUpToMaximumRate))
        }

        /// Terms of the series so that (n·t_lo·w_max)^k/k! < 10⁻¹⁹ beyond them (at most 40).
        static func terms(drafts n: Int, scaledRate x: Double) -> Int {
            let y = Double(n) * x
            var term = 1.0, k = 1
            while k < 40 {
                term *= y / Double(k)
                if term < 1e-19 { break }
                k += 1
            }
            return k + 1
        }

        /// The two tails for a token of weight v, from the series' first `terms` terms (all by default; a rate up to
        /// w_max needs ``termsUpToMaximumRate``). O(terms).
        func integrals(rate v: Double, terms: Int? = nil) -> (zeroth: Double, first: Double) {
            let x = -tLo * v, top = min(a.count, terms ?? a.count) - 1
            var zeroth = a[top], first = b[top]
            for j in stride(from: top - 1, through: 0, by: -1) {
                let scale = x / Double(j + 1)
                zeroth = a[j] + zeroth * scale
                first = b[j] + first * scale
            }
            return (h * tLo * zeroth, h * tLo * tLo * first)
        }

        /// The zeroth tail alone (``integrals(rate:terms:)``).
        func zerothIntegral(rate v: Double, terms: Int) -> Double {
            let x = -tLo * v, top = min(a.count, terms) - 1
            var zeroth = a[top]
            for j in stride(from: top - 1, through: 0, by: -1) { zeroth = a[j] + zeroth * (x / Double(j + 1)) }
            return h * tLo * zeroth
        }
    }

    /// The quadrature rule of an i.i.d. block at given weights: nodes t_g, coefficients c_g = h t_g Ψ(t_g), the lower
    /// tail, and the ``ExponentialSums`` of the rates (fast route) or every e^{−t_g w_y} (direct route).
    struct IIDQuadratureRule: Sendable {
        let times: [Double], coefficients: [Double]
        let sums: ExponentialSums?
        let tail: LowerTail
        /// e^{−t_g w_y}, node-major (direct route only).
        let decay: [Double]
        /// The rates the rule serves: [w_min·e^{−widen}, w_max·e^{widen}].
        let widen: Double
    }

    /// The quadrature's nodes t_g (`pointsPerDecade` per decade on [10⁻³/w_max, 40·e^`widen`/w_min]) and coefficients
    /// c_g = h t_g Ψ(t_g), Ψ = (l + φ)^{n−1} (half weight at the top), so that ∫₀^∞ e^{−t v} Ψ(t) dt ≈
    /// Σ_g c_g e^{−t_g v} + the lower tail (``LowerTail``, its series long enough for t_lo·v up to 10⁻³·e^`widen`) for
    /// every rate v in [w_min·e^{−widen}, w_max·e^{widen}]; with the ``ExponentialSums`` of the rates when `fast`.
    static func quadratureCoefficients(
        q qa: [Double], w wa: [Double], later l: Double, drafts n: Int, fast: Bool, threads: Int,
        pointsPerDecade: Int, widen: Double = 0
    ) -> IIDQuadratureRule {
        var wMin = Double.infinity, wMax = 0.0
        for x in wa { wMin = min(wMin, x); wMax = max(wMax, x) }
        let tLo = 1e-3 / wMax, tHi = 40 / wMin * exp(widen)
        let h = log(10.0) / Double(pointsPerDecade)
        let g = Int((log(tHi) - log(tLo)) / h) + 2
        let times = (0..<g).map { exp(log(tLo) + Double($0) * h) }
        // The sums skip the terms below e^{−cutoff} of their amplitude. Here that costs at most ~e^{−cutoff}
        // relative: a node where every rate has t·w > cutoff adds less than e^{−cutoff} of Ψ(t) ≤ Ψ(1/w_x) to any
        // token's integral. So the exact rule (10 points per decade) takes cutoff 50 and bins of half-width 0.01 in
        // log w (|t d| ≤ 0.503 as with the defaults: truncation below 10⁻¹⁸, cancellation ×2.7; half as many bins);
        // below 10 points per decade (inside a fit) the sums need no more accuracy than the rule: half-width 0.02,
        // 14 Taylor terms, cutoff 30 (|t d| ≤ 0.62: truncation ~10⁻¹⁴, cancellation ×3.5).
        let sums =
            fast
            ? (pointsPerDecade >= 10
                ? ExponentialSums(rates: wa, halfWidth: 0.01, terms: 18, cutoff: 50)
                : ExponentialSums(rates: wa, halfWidth: 0.02, terms: 14, cutoff: 30))
            : nil
        // φ(t_g) at every node; then c_g = h t_g Ψ(t_g) (half weight at the top). Direct sums keep every
        // e^{−t_g w_i} (node-major) for the transposed sums.
        var decay: [Double] = []
        let phi: [Double]
        if let sums {
            phi = sums.forward(amplitudes: qa, times: times, threads: threads)
        } else {
            let m = qa.count
            decay = [Double](repeating: 0, count: g * m)
            var values = [Double](repeating: 0, count: g)
            for gi in 0..<g {
                let t = times[gi], base = gi * m
                var sum = 0.0, comp = 0.0
                for i in 0..<m {
                    let e = exp(-t * wa[i])
                    decay[base + i] = e
                    compensatedAdd(&sum, &comp, qa[i] * e)
                }
                values[gi] = sum
            }
            phi = values
        }
        var c = [Double](repeating: 0, count: g)
        for gi in 0..<g {
            let psi = integerPower(l + max(0, phi[gi]), n - 1)
            c[gi] = (gi == g - 1 ? 0.5 : 1) * h * times[gi] * psi
        }
        // the tail serves rates up to w_max·e^widen
        let terms = LowerTail.terms(drafts: n, scaledRate: tLo * wMax * exp(widen))
        let tail = LowerTail(
            q: qa, w: wa, later: l, drafts: n, tLo: tLo, h: h, terms: terms,
            termsUpToMaximumRate: LowerTail.terms(drafts: n, scaledRate: tLo * wMax))
        return IIDQuadratureRule(
            times: times, coefficients: c, sums: sums, tail: tail, decay: decay, widen: widen)
    }

    /// C(a, b) as a Double.
    static func binomial(_ a: Int, _ b: Int) -> Double {
        var result = 1.0
        for i in 0..<min(b, a - b) { result = result * Double(a - i) / Double(i + 1) }
        return result
    }
}
