import MultidraftSupport

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
    @usableFromInline let table: AliasTable

    public init(weights: [Double], fallback: [Double]) {
        var source = weights
        var total = sumPositive(weights)
        if !(total > 0) {
            source = fallback
            total = sumPositive(fallback)
        }
        self.probabilities = source.map { $0 > 0 ? $0 / total : 0 }
        self.table = AliasTable(weights: probabilities)
    }

    @inlinable
    public func sample(using rng: inout some RandomNumberGenerator) -> Int {
        table.sample(using: &rng)
    }
}

/// (r − s)_+ entrywise and its total mass Σ (r − s)_+ (a sum of non-negative terms, no cancellation).
public func positivePart(_ r: [Double], minus s: [Double]) -> (values: [Double], mass: Double) {
    var out = [Double](repeating: 0, count: r.count)
    var mass = 0.0
    for i in r.indices {
        let d = r[i] - s[i]
        if d > 0 { out[i] = d; mass += d }
    }
    return (out, mass)
}

/// Σ of the positive entries, by Neumaier's compensated summation (error about one ulp of the total, at any length).
public func sumPositive(_ values: [Double]) -> Double {
    var total = NeumaierSum()
    for v in values where v > 0 { total.add(v) }
    return total.value
}

/// The probability of ``acceptTest(_:_:using:)``: min(1, a/b) for b > 0, 1 for b = 0 < a, 0 for a ≤ 0.
@inlinable @inline(__always)
public func acceptProbability(_ a: Double, _ b: Double) -> Double {
    if !(a > 0) { return 0 }
    if b <= 0 { return 1 }
    return min(1, a / b)
}

/// The accept test of verifiers.md §0.2: accept with probability min(1, a/b) as U·b ≤ a (no division), and never
/// when a = 0: U = 0 has probability 2⁻⁵³ per draw, and must not accept a token the target cannot emit. One uniform
/// is drawn in every case, so the random stream does not depend on a.
@inlinable @inline(__always)
public func acceptTest(_ a: Double, _ b: Double, using rng: inout some RandomNumberGenerator) -> Bool {
    let u = rng.nextUniform()
    return a > 0 && u * b <= a
}
