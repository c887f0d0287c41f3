/// A fixed distribution over tokens with O(1) sampling: the residual a verifier falls back to after rejection.
///
/// Built from non-negative weights that are clamped at 0 and normalised; if they carry no mass (the zero-mass guard
/// of verifiers.md §0.2: the branch that samples this residual then has probability 0), the `fallback`
/// distribution is used instead.
///
/// - Complexity: O(V) to build, O(1) per draw.
public struct ResidualLaw: Sendable {
    /// The normalised probabilities.
    public let probabilities: [Double]
    /// Whether the weights had no mass and the fallback was used.
    public let usedFallback: Bool
    @usableFromInline let table: AliasTable

    public init(weights: [Double], fallback: [Double]) {
        var w = weights.map { $0 > 0 ? $0 : 0 }
        var total = sumPositive(w)
        var fallbackUsed = false
        if !(total > 0) {
            w = fallback.map { $0 > 0 ? $0 : 0 }
            total = sumPositive(w)
            fallbackUsed = true
        }
        self.probabilities = w.map { $0 / total }
        self.usedFallback = fallbackUsed
        self.table = AliasTable(weights: probabilities)
    }

    @inlinable
    public func sample(using rng: inout some RandomNumberGenerator) -> Int {
        table.sample(using: &rng)
    }
}

/// (r − s)_+ entrywise and its total mass Σ (r − s)_+ (a sum of non-negative terms, no cancellation).
func positivePart(_ r: [Double], minus s: [Double]) -> (values: [Double], mass: Double) {
    var out = [Double](repeating: 0, count: r.count)
    var mass = 0.0
    for i in r.indices {
        let d = r[i] - s[i]
        if d > 0 { out[i] = d; mass += d }
    }
    return (out, mass)
}

/// Σ of the positive entries.
func sumPositive(_ values: [Double]) -> Double {
    var total = 0.0
    for v in values where v > 0 { total += v }
    return total
}

/// P(U·b ≤ a) for U ~ Uniform[0, 1): min(1, a/b) for b > 0, 1 for b = 0 ≤ a, 0 for a < 0.
@inlinable @inline(__always)
func acceptProbability(_ a: Double, _ b: Double) -> Double {
    if a < 0 { return 0 }
    if b <= 0 { return 1 }
    return min(1, a / b)
}

/// The accept test of verifiers.md §0.2: accept with probability min(1, a/b) as U·b ≤ a (no division).
@inlinable @inline(__always)
func acceptTest(_ a: Double, _ b: Double, using rng: inout some RandomNumberGenerator) -> Bool {
    rng.nextUniform() * b <= a
}

extension ConditionalOutcome {
    /// Adds `weight · law` to the output law.
    mutating func addResidual(_ law: [Double], weight: Double) {
        guard weight > 0 else { return }
        for i in law.indices where law[i] > 0 { outputLaw[i] += weight * law[i] }
    }
}
