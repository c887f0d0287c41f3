extension ConditionalOutcome {
    /// Adds `weight · law` to the output law.
    public mutating func addResidual(_ law: [Double], weight: Double) {
        guard weight > 0 else { return }
        for i in law.indices where law[i] > 0 { outputLaw[i] += weight * law[i] }
    }
}

extension ConditionalOutcome {
    /// The exact outcome of a sequential scan over the drafts x: draft i, once reached, is accepted with probability
    /// `accept(i)`; after the last rejection Y is drawn from `residual`.
    ///
    /// ```
    /// P(Y = xᵢ by its test) = aᵢ Π_{j<i} (1 − aⱼ),   P(residual) = Π_i (1 − aᵢ)
    /// ```
    public static func scan(
        _ x: [Int], vocabularySize v: Int, residual: [Double], accept: (Int) -> Double
    ) -> ConditionalOutcome {
        var out = ConditionalOutcome(outputLaw: [Double](repeating: 0, count: v), coinAcceptance: 0)
        var reach = 1.0
        for i in x.indices {
            let a = accept(i)
            out.outputLaw[x[i]] += reach * a
            out.coinAcceptance += reach * a
            reach *= 1 - a
        }
        out.addResidual(residual, weight: reach)
        return out
    }
}
