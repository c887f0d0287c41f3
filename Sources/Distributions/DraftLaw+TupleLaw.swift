/// One ordered draft tuple x = (x₁, …, xₙ), in draw order, with its probability P(x) under a ``DraftLaw``.
public struct DraftTuple: Sendable, Hashable {
    /// The drafted tokens in draw order.
    public let tokens: [Int]
    /// P(x) > 0.
    public let probability: Double

    public init(tokens: [Int], probability: Double) {
        self.tokens = tokens
        self.probability = probability
    }
}

extension DraftLaw {
    /// The default cap on the number of ordered tuples ``tupleLaw(maxTuples:)`` enumerates.
    public static let defaultMaxTuples = 1_000_000

    /// The number of ordered tuples with positive probability (an upper estimate for independent drafts), computed
    /// before anything is enumerated: sⁿ (i.i.d., s = |supp q|), Π sᵢ (independent), s!/(s−n)! (without
    /// replacement), s − n + 1 (greedy), 2(s − 1) (SpecHub), the listed count (explicit).
    public var estimatedTupleCount: Double {
        switch kind {
        case .iid(let q): return integerPowerOf(Double(q.supportSize), drafts)
        case .independent(let qs): return qs.reduce(1) { $0 * Double($1.supportSize) }
        case .withoutReplacement(let q):
            let s = q.supportSize
            return (0..<drafts).reduce(1.0) { $0 * Double(max(0, s - $1)) }
        case .greedy(let q): return Double(max(0, q.supportSize - drafts + 1))
        case .specHub(let q): return Double(2 * max(0, q.supportSize - 1))
        case .explicit(let e): return Double(e.tuples.count)
        }
    }

    /// The law over ordered draft tuples: every tuple x with P(x) > 0, in lexicographic order of draw sequence
    /// (explicit laws: as listed, zero-probability rows dropped).
    ///
    /// ```
    /// iid:                  P(x) = Π_k q(x_k)
    /// independent:          P(x) = Π_k q_k(x_k)
    /// without replacement:  P(x) = Π_k q(x_k) / q(Σ ∖ {x_1..x_{k−1}}),  x distinct
    /// greedy:               x = (T, i),  P = q(i) / q(Σ ∖ T),  T = top_{n−1}(q), i ∉ T
    /// SpecHub (hub a):      P(i, a) = q(i),  P(a, i) = q(a) q(i) / q(Σ ∖ {a}),  i ≠ a
    /// ```
    ///
    /// Every complement mass q(Σ ∖ ·) is a sum of the remaining entries, never 1 − q(·), so that a draft holding
    /// almost all the mass keeps its exact tail.
    ///
    /// - Complexity: O(#tuples · n + V·n) time and memory; throws ``DraftLawError/tooManyTuples(law:estimated:limit:)``
    ///   when ``estimatedTupleCount`` exceeds `maxTuples`. Intended for small V (exact checks, tests).
    public func tupleLaw(maxTuples: Int = DraftLaw.defaultMaxTuples) throws -> [DraftTuple] {
        let estimate = estimatedTupleCount
        guard estimate <= Double(maxTuples) else {
            throw DraftLawError.tooManyTuples(law: name, estimated: estimate, limit: maxTuples)
        }
        var out: [DraftTuple] = []
        out.reserveCapacity(Int(estimate))
        switch kind {
        case .iid(let q):
            let qs = [Distribution](repeating: q, count: drafts)
            Self.productTuples(qs, into: &out)
        case .independent(let qs):
            Self.productTuples(qs, into: &out)
        case .withoutReplacement(let q):
            var prefix: [Int] = []
            var taken = [Bool](repeating: false, count: vocabularySize)
            func extend(_ probability: Double) {
                if prefix.count == drafts {
                    out.append(DraftTuple(tokens: prefix, probability: probability))
                    return
                }
                var remaining = 0.0
                for i in 0..<vocabularySize where !taken[i] { remaining += q[i] }
                guard remaining > 0 else { return }
                for x in 0..<vocabularySize where !taken[x] && q[x] > 0 {
                    prefix.append(x); taken[x] = true
                    extend(probability * (q[x] / remaining))
                    prefix.removeLast(); taken[x] = false
                }
            }
            extend(1)
        case .greedy(let q):
            let top = deterministicTokens
            let rest = q.remainingMass(excluding: top)
            var isTop = [Bool](repeating: false, count: vocabularySize)
            for t in top { isTop[t] = true }
            for i in 0..<vocabularySize where !isTop[i] && q[i] > 0 {
                out.append(DraftTuple(tokens: top + [i], probability: q[i] / rest))
            }
        case .specHub(let q):
            let hub = deterministicTokens[0]
            let rest = q.remainingMass(excluding: [hub])
            for i in 0..<vocabularySize where i != hub && q[i] > 0 {
                out.append(DraftTuple(tokens: [hub, i], probability: q[hub] * q[i] / rest))
                out.append(DraftTuple(tokens: [i, hub], probability: q[i]))
            }
            out.sort { $0.tokens.lexicographicallyPrecedes($1.tokens) }
        case .explicit(let e):
            for (t, pr) in zip(e.tuples, e.probabilities) where pr > 0 {
                out.append(DraftTuple(tokens: t, probability: pr))
            }
        }
        return out
    }

    /// All tuples of independent draws x_k ~ qs[k] with positive probability, lexicographically.
    private static func productTuples(_ qs: [Distribution], into out: inout [DraftTuple]) {
        let supports = qs.map(\.support)
        var prefix: [Int] = []
        func extend(_ probability: Double) {
            let k = prefix.count
            if k == qs.count {
                out.append(DraftTuple(tokens: prefix, probability: probability))
                return
            }
            for x in supports[k] {
                prefix.append(x)
                extend(probability * qs[k][x])
                prefix.removeLast()
            }
        }
        extend(1)
    }
}

/// xⁿ for a small non-negative integer n (tuple-count estimates).
private func integerPowerOf(_ x: Double, _ n: Int) -> Double {
    var result = 1.0
    for _ in 0..<max(0, n) { result *= x }
    return result
}
