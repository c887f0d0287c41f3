import Distributions

/// A selection rule for K = 2 drafts, given by one number per ordered pair (Khisti et al., arXiv 2410.18234;
/// <doc:Theory#Two-step-importance-sampling-schemes>):
///
/// ```
/// w(a, b) = β_a(a, b) = P(keep X₁ = a | (X₁, X₂) = (a, b)),  a ≠ b;   β_b(a, b) = 1 − w(a, b);   a = b is forced
///
/// p_I(y) = q₁(y)q₂(y) + Σ_{b≠y} q₁(y)q₂(b) w(y, b) + Σ_{a≠y} q₁(a)q₂(y) (1 − w(a, y))
/// ```
///
/// The default ``intermediate(drafts:)`` evaluates this in O(|supp q₁|·|supp q₂|); a draw costs one uniform.
public protocol PairSelectionRule: SelectionRule {
    /// w(a, b) ∈ [0, 1]: the probability of keeping the first draft a when (X₁, X₂) = (a, b), a ≠ b.
    /// The value for a = b is never used.
    func keepFirst(_ a: Int, _ b: Int) -> Double
}

extension PairSelectionRule {
    public var draftCount: Int { 2 }

    public func positionWeights(for tuple: [Int]) -> [Double] {
        if tuple[0] == tuple[1] { return [1, 0] }
        let w = keepFirst(tuple[0], tuple[1])
        return [w, 1 - w]
    }

    public func intermediate(drafts: [Distribution]) -> [Double] {
        pairIntermediate(first: drafts[0], second: drafts[1])
    }

    /// p_I of the pair rule for X₁ ~ q₁, X₂ ~ q₂ (the formula above), O(|supp q₁|·|supp q₂|).
    public func pairIntermediate(first q1: Distribution, second q2: Distribution) -> [Double] {
        var pI = [Double](repeating: 0, count: vocabularySize)
        let s1 = q1.support, s2 = q2.support
        for a in s1 {
            let qa = q1[a]
            for b in s2 {
                let mass = qa * q2[b]
                if a == b { pI[a] += mass; continue }
                let w = keepFirst(a, b)
                pI[a] += mass * w
                pI[b] += mass * (1 - w)
            }
        }
        return pI
    }

    public func selectPosition(_ tuple: [Int], using rng: inout some RandomNumberGenerator) -> Int {
        if tuple[0] == tuple[1] { return 0 }
        return rng.nextUniform() < keepFirst(tuple[0], tuple[1]) ? 0 : 1
    }
}
