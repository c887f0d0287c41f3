extension DraftLaw {
    /// Q(H) = P(all n drafts lie in H), for the token set given as a membership mask of length V.
    ///
    /// | law | Q(H) |
    /// |---|---|
    /// | iid | q(H)ⁿ |
    /// | without replacement | exponential-race integral (``WithoutReplacementRace``), error < 10⁻¹³ |
    /// | independent | Π_i q_i(H) |
    /// | greedy | 1[T ⊆ H] · q(H ∖ T) / q(Σ ∖ T), T = top_{n−1}(q) |
    /// | SpecHub | 1[a ∈ H] · q(H ∖ {a}) / q(Σ ∖ {a}) |
    /// | explicit | Σ_{x : set(x) ⊆ H} P(x) |
    ///
    /// Complements are summed over the remaining tokens, never formed as 1 − q(·).
    /// - Complexity: O(V) (O(V·G·n) without replacement, O(#tuples·n) explicit).
    public func subsetMass(ofMask inH: [Bool]) -> Double {
        precondition(inH.count == vocabularySize, "mask length must equal the vocabulary size")
        switch kind {
        case .iid(let q):
            return integerPower(min(1, q.mass(ofMask: inH)), drafts)
        case .withoutReplacement(let q):
            return WithoutReplacementRace.subsetMass(q.probabilities, mask: inH, drafts: drafts)
        case .independent(let qs):
            return qs.reduce(1) { $0 * min(1, $1.mass(ofMask: inH)) }
        case .greedy(let q), .specHub(let q):
            return Self.greedySubsetMass(q, top: deterministicTokens, mask: inH)
        case .explicit(let law):
            var total = 0.0
            for (tuple, pr) in zip(law.tuples, law.probabilities) where tuple.allSatisfy({ inH[$0] }) { total += pr }
            return min(1, total)
        }
    }

    /// Q(H) for a list of tokens.
    public func subsetMass<S: Sequence>(of tokens: S) -> Double where S.Element == Int {
        var mask = [Bool](repeating: false, count: vocabularySize)
        for t in tokens { mask[t] = true }
        return subsetMass(ofMask: mask)
    }

    /// 1[T ⊆ H] · q(H ∖ T) / q(Σ ∖ T).
    static func greedySubsetMass(_ q: Distribution, top: [Int], mask: [Bool]) -> Double {
        for t in top where !mask[t] { return 0 }
        var isTop = [Bool](repeating: false, count: q.vocabularySize)
        for t in top { isTop[t] = true }
        var inside = 0.0, rest = 0.0
        for i in 0..<q.vocabularySize where !isTop[i] {
            rest += q[i]
            if mask[i] { inside += q[i] }
        }
        return rest > 0 ? min(1, inside / rest) : 1
    }
}

/// Integer power by repeated squaring (exact for small n, no log/exp round trip).
@inlinable
public func integerPower(_ x: Double, _ n: Int) -> Double {
    var result = 1.0, base = x, e = n
    while e > 0 {
        if e & 1 == 1 { result *= base }
        base *= base
        e >>= 1
    }
    return result
}
