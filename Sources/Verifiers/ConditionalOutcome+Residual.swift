extension ConditionalOutcome {
    /// Adds `weight · law` to the output law.
    public mutating func addResidual(_ law: [Double], weight: Double) {
        guard weight > 0 else { return }
        for i in law.indices where law[i] > 0 { outputLaw[i] += weight * law[i] }
    }
}
