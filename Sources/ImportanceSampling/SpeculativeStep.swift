import Distributions

/// Step 2 of the two-step scheme: single-draft speculative sampling of the intermediate token Y' against the target
/// p, with draft distribution p_I (Leviathan et al. 2023; Khisti et al., arXiv 2410.18234; <doc:Theory#Two-step-importance-sampling-schemes>
/// §1 and §7.1).
///
/// ```
/// accept Y' = y  iff  U · p_I(y) ≤ p(y),   U ~ Uniform[0, 1)        (probability min(1, p(y)/p_I(y)))
/// otherwise      Y ~ res = norm((p − p_I)_+)
/// coin acceptance = Σ_y min(p(y), p_I(y))
/// ```
///
/// Zero-mass guard (verifiers.md §0.2): if Σ (p − p_I)_+ = 0 the residual branch has probability 0 and the residual
/// is set to p. The residual's alias table is built once in O(V); each call then costs O(1).
public struct SpeculativeStep: Sendable {
    /// p.
    public let target: [Double]
    /// p_I, the law of the intermediate token.
    public let draft: [Double]
    /// norm((p − p_I)_+), or p when that has zero mass, with its alias table.
    public let residualLaw: ResidualLaw
    /// Σ_y min(p(y), p_I(y)).
    public let acceptance: Double

    /// Precomputes the residual and its alias table. `draft` must be non-negative with V entries.
    public init(target p: Distribution, draft pI: [Double]) {
        precondition(pI.count == p.vocabularySize)
        let pp = p.probabilities
        var accepted = 0.0
        for y in 0..<pI.count { accepted += min(pp[y], pI[y]) }
        self.target = pp
        self.draft = pI
        self.residualLaw = ResidualLaw(weights: positivePart(pp, minus: pI).values, fallback: pp)
        self.acceptance = accepted
    }

    /// norm((p − p_I)_+), or p when that has zero mass.
    public var residual: [Double] { residualLaw.probabilities }

    /// P(accept | Y' = y) = min(1, p(y)/p_I(y)), the probability of ``accepts(_:using:)``.
    @inlinable
    public func acceptProbability(_ y: Int) -> Double {
        Distributions.acceptProbability(target[y], draft[y])
    }

    /// The accept test for Y' = y with one uniform; no division.
    @inlinable
    public func accepts(_ y: Int, using rng: inout some RandomNumberGenerator) -> Bool {
        acceptTest(target[y], draft[y], using: &rng)
    }

    /// One draw from the residual, O(1).
    @inlinable
    public func sampleResidual(using rng: inout some RandomNumberGenerator) -> Int {
        residualLaw.sample(using: &rng)
    }
}

extension SpeculativeStep {
    /// The exact output law of the two-step scheme given one draft tuple, when the selection picks position i with
    /// probability `selection[i]`:
    ///
    /// ```
    /// P(Y = · ∣ x) = Σᵢ βᵢ(x) [a(xᵢ) δ_{xᵢ} + (1 − a(xᵢ)) res],   coin = Σᵢ βᵢ(x) a(xᵢ),   a(y) = min(1, p(y)/p_I(y))
    /// ```
    public func outputLaw(selecting selection: [Double], from tuple: [Int]) -> (law: [Double], coin: Double) {
        var law = [Double](repeating: 0, count: target.count)
        var coin = 0.0, rejected = 0.0
        for (i, w) in selection.enumerated() where w > 0 {
            let a = acceptProbability(tuple[i])
            law[tuple[i]] += w * a
            coin += w * a
            rejected += w * (1 - a)
        }
        if rejected > 0 { for y in 0..<law.count { law[y] += rejected * residualLaw.probabilities[y] } }
        return (law, coin)
    }
}
