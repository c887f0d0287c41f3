import Distributions

/// A finite law D of per-token acceptance probabilities a ∈ [0, 1]: support values v_m with weights w_m.
///
/// ```
/// P[a = v_m] = w_m / Σ w,    ā = Σ_m v_m w_m / Σ w
/// ```
///
/// Equal support values are merged and zero-weight values dropped, so the support is strictly increasing and every
/// count-vector algorithm sees each value once. Construction is O(M log M) for M pairs.
///
/// The model is the "IAP" model of candidate-length.md §6 (not from a paper); for context-free p, q the law of
/// a = min(1, p(Y)/q(Y)), Y ~ q, is exactly such a D (see ``init(target:draft:)``).
public struct AcceptanceLaw: Sendable, Hashable {
    /// Support values v_m in increasing order, each in [0, 1].
    public let values: [Double]
    /// Normalised weights w_m > 0, summing to 1.
    public let weights: [Double]

    /// D from value/weight pairs; weights need not sum to 1 but must be finite, ≥ 0, with positive total.
    public init(values: [Double], weights: [Double]) throws {
        guard !values.isEmpty else { throw CandidateLengthError.emptyAcceptanceLaw }
        guard values.count == weights.count else {
            throw CandidateLengthError.invalidMarkovModel(
                "acceptance law has \(values.count) values but \(weights.count) weights")
        }
        for (i, v) in values.enumerated() { try requireProbability(v, "acceptance value \(i)") }
        for (i, w) in weights.enumerated() where !(w.isFinite && w >= 0) {
            throw CandidateLengthError.invalidWeight(index: i, value: w)
        }
        // Weights are scaled by the largest first, so that sums of huge weights (1e308) cannot overflow.
        let largest = weights.max() ?? 0
        var merged: [Double: Double] = [:]
        for (v, w) in zip(values, weights) where w > 0 { merged[v, default: 0] += w / largest }
        // Sum in sorted order: dictionary iteration order varies between runs, and the result must not.
        let keys = merged.keys.sorted()
        let raw = keys.map { merged[$0]! }
        let total = raw.reduce(0, +)
        guard total > 0 else { throw CandidateLengthError.zeroTotalWeight }
        self.values = keys
        self.weights = raw.map { $0 / total }
    }

    /// D as the empirical law of acceptance-probability samples (each sample weight 1).
    public init(samples: [Double]) throws {
        try self.init(values: samples, weights: [Double](repeating: 1, count: samples.count))
    }

    /// D as the law of min(1, p(Y)/q(Y)) for Y ~ q (tokens with q(Y) = 0 are never drafted).
    public init(target p: Distribution, draft q: Distribution) throws {
        guard p.vocabularySize == q.vocabularySize else {
            throw CandidateLengthError.invalidMarkovModel(
                "target has \(p.vocabularySize) tokens but draft has \(q.vocabularySize)")
        }
        var vs: [Double] = [], ws: [Double] = []
        for y in 0..<q.vocabularySize where q[y] > 0 {
            vs.append(min(1, p[y] / q[y]))
            ws.append(q[y])
        }
        try self.init(values: vs, weights: ws)
    }

    /// A point mass at α (constant acceptance).
    public static func constant(_ alpha: Double) throws -> AcceptanceLaw {
        try AcceptanceLaw(values: [alpha], weights: [1])
    }

    /// ā = E[a].
    public var mean: Double { zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } }

    /// Var[a].
    public var variance: Double {
        let m = mean
        return zip(values, weights).reduce(0) { $0 + $1.1 * ($1.0 - m) * ($1.0 - m) }
    }

    /// The number M of support values.
    public var supportSize: Int { values.count }
}
