import Foundation

/// The regularised incomplete gamma functions, for chi-square p-values.
///
/// ```
/// P(a, x) = γ(a, x)/Γ(a) = e^{−x} x^a / Γ(a) · Σ_{k≥0} x^k / (a(a+1)…(a+k))          (series, x < a + 1)
/// Q(a, x) = 1 − P(a, x) = e^{−x} x^a / Γ(a) · 1/(x + 1 − a − 1·(1−a)/(x + 3 − a − …))   (continued fraction, x ≥ a + 1,
///                                                                                      modified Lentz)
/// chi-square survival:  P(X²_k ≥ t) = Q(k/2, t/2)
/// ```
///
/// Valid for a > 0, x ≥ 0; relative accuracy about 1e-14 in the region used (≤ 10⁵ iterations, enough for a up to
/// ~10⁷). Computed in log space (`lgamma`), so large a and x do not overflow.
package enum IncompleteGamma {
    /// Q(a, x), the upper regularised incomplete gamma function.
    package static func upperRegularized(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0 && x >= 0 && !x.isNaN)
        if x == 0 { return 1 }
        if x.isInfinite { return 0 }
        if x < a + 1 { return max(0, 1 - series(a, x)) }
        return continuedFraction(a, x)
    }

    /// P(a, x) = 1 − Q(a, x).
    package static func lowerRegularized(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0 && x >= 0 && !x.isNaN)
        if x == 0 { return 0 }
        if x.isInfinite { return 1 }
        if x < a + 1 { return series(a, x) }
        return max(0, 1 - continuedFraction(a, x))
    }

    /// The survival function of the chi-square law with `dof` degrees of freedom at `statistic`.
    package static func chiSquareSurvival(_ statistic: Double, degreesOfFreedom dof: Int) -> Double {
        upperRegularized(Double(dof) / 2, statistic / 2)
    }

    static func prefactor(_ a: Double, _ x: Double) -> Double {
        exp(a * log(x) - x - lgamma(a))
    }

    static func series(_ a: Double, _ x: Double) -> Double {
        var term = 1 / a, sum = term, denominator = a
        for _ in 0..<100_000 {
            denominator += 1
            term *= x / denominator
            sum += term
            if abs(term) < abs(sum) * 1e-16 { break }
        }
        return min(1, sum * prefactor(a, x))
    }

    static func continuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...100_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return min(1, h * prefactor(a, x))
    }
}
