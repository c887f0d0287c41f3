/// Step 2 of the two-step scheme: single-draft speculative sampling of the intermediate token Y' against the target
/// p, with draft distribution p_I (Leviathan et al. 2023; Khisti et al., arXiv 2410.18234; `shared/theory/verifiers.md`
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
    /// norm((p − p_I)_+), or p when that has zero mass.
    public let residual: [Double]
    /// Σ_y min(p(y), p_I(y)).
    public let acceptance: Double
    let residualTable: AliasTable

    /// Precomputes the residual and its alias table. `draft` must be non-negative with V entries.
    public init(target p: Distribution, draft pI: [Double]) {
        precondition(pI.count == p.vocabularySize)
        var excess = [Double](repeating: 0, count: pI.count)
        var total = 0.0, accepted = 0.0
        for y in 0..<pI.count {
            excess[y] = max(0, p[y] - pI[y])
            total += excess[y]
            accepted += min(p[y], pI[y])
        }
        self.target = p.probabilities
        self.draft = pI
        self.residual = total > 0 ? excess.map { $0 / total } : p.probabilities
        self.acceptance = accepted
        self.residualTable = AliasTable(weights: total > 0 ? excess : p.probabilities)
    }

    /// P(accept | Y' = y) = min(1, p(y)/p_I(y)) (1 when p_I(y) = 0 < p(y), 0 when p(y) = 0, matching the accept test).
    @inlinable
    public func acceptProbability(_ y: Int) -> Double {
        guard target[y] > 0 else { return 0 }
        return draft[y] > 0 ? min(1, target[y] / draft[y]) : 1
    }

    /// The accept test for Y' = y with one uniform; no division.
    @inlinable
    public func accepts(_ y: Int, using rng: inout some RandomNumberGenerator) -> Bool {
        let u = rng.nextUniform()
        return target[y] > 0 && u * draft[y] <= target[y]
    }

    /// One draw from the residual, O(1).
    public func sampleResidual(using rng: inout some RandomNumberGenerator) -> Int {
        residualTable.sample(using: &rng)
    }
}
