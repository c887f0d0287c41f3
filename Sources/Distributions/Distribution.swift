/// A probability distribution over the vocabulary {0, …, V−1}: the target p or a draft q.
///
/// ```
/// p(i) ≥ 0,  p(i) finite,  |Σ_i p(i) − 1| ≤ 1e-9
/// ```
///
/// Construction validates these conditions and throws a ``DistributionError`` naming the first bad entry or the
/// sum. Use ``init(normalizing:)`` to rescale non-negative weights instead. The stored probabilities are kept as
/// given (they are not renormalised), so every computation sees exactly the user's numbers.
public struct Distribution: Sendable, Hashable, RandomAccessCollection {
    /// The probabilities, indexed by token.
    public let probabilities: [Double]

    /// Absolute tolerance on the total mass: `|Σ p − 1| ≤ normalizationTolerance`.
    public static let normalizationTolerance = 1e-9

    /// A validated distribution. Throws on an empty vector, NaN/±∞, negative entries or a sum not within 1e-9 of 1.
    public init(_ probabilities: [Double]) throws {
        try Distribution.validateEntries(probabilities)
        let sum = Distribution.accurateSum(probabilities)
        guard abs(sum - 1) <= Distribution.normalizationTolerance else {
            throw DistributionError.notNormalized(sum: sum)
        }
        self.probabilities = probabilities
    }

    /// Rescales non-negative finite weights to sum to 1. Throws if any weight is negative or not finite, or all are 0.
    public init(normalizing weights: [Double]) throws {
        try Distribution.validateEntries(weights)
        let sum = Distribution.accurateSum(weights)
        guard sum > 0 else { throw DistributionError.zeroMass }
        self.probabilities = weights.map { $0 / sum }
    }

    /// Checks emptiness, finiteness and signs; the first bad entry is reported.
    static func validateEntries(_ values: [Double]) throws {
        guard !values.isEmpty else { throw DistributionError.empty }
        for (i, v) in values.enumerated() {
            if !v.isFinite { throw DistributionError.notFinite(index: i, value: v) }
            if v < 0 { throw DistributionError.negative(index: i, value: v) }
        }
    }

    /// Σ values by Neumaier's compensated summation: error ≤ 2ε·Σ|v| + O(nε²)·Σ|v|, independent of the order (it
    /// was a sort and a sum smallest first, O(V log V): ~10 ms at V = 152,064 for every distribution built). O(V).
    static func accurateSum(_ values: [Double]) -> Double {
        var sum = NeumaierSum()
        for v in values { sum.add(v) }
        return sum.value
    }

    // MARK: Collection

    // Inlinable: the subscript sits in the inner loops of other modules (the dual scan, the verifiers).
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { probabilities.count }
    @inlinable public subscript(token: Int) -> Double { probabilities[token] }

    /// The vocabulary size V.
    @inlinable public var vocabularySize: Int { probabilities.count }

    /// The tokens with positive probability, in increasing order.
    public var support: [Int] { probabilities.indices.filter { probabilities[$0] > 0 } }

    /// The number of tokens with positive probability.
    public var supportSize: Int { probabilities.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }

    /// p(H) = Σ_{i ∈ H} p(i).
    public func mass<S: Sequence>(of tokens: S) -> Double where S.Element == Int {
        var total = 0.0
        for t in tokens { total += probabilities[t] }
        return total
    }

    /// p(H) for a membership mask of length V.
    public func mass(ofMask inSet: [Bool]) -> Double {
        var total = 0.0
        for i in probabilities.indices where inSet[i] { total += probabilities[i] }
        return total
    }

    /// The mass outside `excluded`, summed directly over the remaining tokens (never as 1 − p(excluded)), so that it
    /// stays exact when one token holds almost all the mass.
    public func remainingMass<S: Sequence>(excluding excluded: S) -> Double where S.Element == Int {
        var out = [Bool](repeating: false, count: probabilities.count)
        for t in excluded { out[t] = true }
        var total = 0.0
        for i in probabilities.indices where !out[i] { total += probabilities[i] }
        return total
    }

    /// The k most likely tokens, in decreasing probability, ties to the smaller index.
    /// - Complexity: O(V·k) worst case with a small sorted buffer for k ≤ 64 (O(V) typical), else O(V log V).
    public func topTokens(_ k: Int) -> [Int] {
        guard k > 0 else { return [] }
        func before(_ a: Int, _ b: Int) -> Bool {
            probabilities[a] != probabilities[b] ? probabilities[a] > probabilities[b] : a < b
        }
        if k > 64 { return Array(probabilities.indices.sorted(by: before).prefix(k)) }
        var top: [Int] = []
        top.reserveCapacity(k + 1)
        for i in probabilities.indices {
            if top.count == k, !before(i, top[k - 1]) { continue }
            var pos = top.count
            while pos > 0, before(i, top[pos - 1]) { pos -= 1 }
            top.insert(i, at: pos)
            if top.count > k { top.removeLast() }
        }
        return top
    }

    /// Total-variation distance TV(p, q) = Σ (p − q)_+.
    public func totalVariation(to other: Distribution) -> Double {
        zip(probabilities, other.probabilities).reduce(0) { $0 + Swift.max($1.0 - $1.1, 0) }
    }

    /// Σ_i min(p(i), q(i)) = 1 − TV(p, q): the acceptance of single-draft speculative sampling.
    public func overlap(with other: Distribution) -> Double {
        zip(probabilities, other.probabilities).reduce(0) { $0 + Swift.min($1.0, $1.1) }
    }

    /// The uniform distribution on V tokens.
    public static func uniform(_ vocabularySize: Int) -> Distribution {
        precondition(vocabularySize >= 1)
        return Distribution(unchecked: [Double](repeating: 1 / Double(vocabularySize), count: vocabularySize))
    }

    /// Wraps already-valid probabilities without checks (internal fast path).
    package init(unchecked probabilities: [Double]) {
        self.probabilities = probabilities
    }

    /// Throws ``VocabularyMismatch`` unless `other` has this vocabulary size.
    public func requireSameVocabulary(_ other: Distribution, what: String) throws {
        if other.vocabularySize != vocabularySize {
            throw VocabularyMismatch(what: what, expected: vocabularySize, found: other.vocabularySize)
        }
    }
}
