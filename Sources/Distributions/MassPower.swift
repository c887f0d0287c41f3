import Foundation

/// Powers of a probability mass m = 1 − r given both m (`inside`) and its complement r (`outside`), each summed
/// directly from its own terms.
///
/// ```
/// mⁿ      = exp(n · log1p(−r))      when r < 1/2   (relative error ~ a few ulps for every n)
///         = m·m·…·m (squaring)      otherwise
/// 1 − mⁿ  = −expm1(n · log1p(−r))   when r < 1/2
/// ```
///
/// Squaring m = 1 − r itself loses r's relative accuracy: m carries an absolute error of an ulp of 1, which mⁿ
/// multiplies by n (1e-7 at n = 10⁹). Working from r keeps Q(H) = q(H)ⁿ and the certificate value p(H) + 1 − Q(H)
/// accurate for huge n and vocabularies.
public func massPower(inside: Double, outside: Double, _ n: Int) -> Double {
    if outside <= 0 { return 1 }
    if outside < 0.5 { return exp(Double(n) * log1p(-outside)) }
    return integerPower(min(1, max(0, inside)), n)
}

/// 1 − mⁿ for m = 1 − r (see ``massPower(inside:outside:_:)``).
public func complementOfMassPower(inside: Double, outside: Double, _ n: Int) -> Double {
    if outside <= 0 { return 0 }
    if outside < 0.5 { return -expm1(Double(n) * log1p(-outside)) }
    return 1 - integerPower(min(1, max(0, inside)), n)
}

extension Distribution {
    /// (mass inside the mask, mass outside it), each a compensated sum of its own terms.
    public func splitMass(ofMask inSet: [Bool]) -> (inside: Double, outside: Double) {
        var inside = 0.0, insideC = 0.0, outside = 0.0, outsideC = 0.0
        for (i, x) in probabilities.enumerated() {
            if inSet[i] {
                let y = x + insideC, t = inside + y
                insideC = y - (t - inside); inside = t
            } else {
                let y = x + outsideC, t = outside + y
                outsideC = y - (t - outside); outside = t
            }
        }
        return (inside, outside)
    }
}
