/// Samples draft tuples from a ``DraftLaw`` in O(n) expected time per tuple, after O(V) precomputation.
///
/// Sampling without replacement draws from q's alias table and redraws tokens already taken (exact: given
/// acceptance, the draw has the law of q restricted to the remaining tokens); after 64 consecutive redraws it falls
/// back to an exact O(V) draw from the remaining mass, so that a token holding 1 − 10⁻²⁰ of the mass cannot stall it.
public struct DraftSampler: Sendable {
    public let law: DraftLaw
    @usableFromInline let tables: [AliasTable]
    @usableFromInline let probabilities: [Double]

    public init(_ law: DraftLaw) {
        self.law = law
        switch law.kind {
        case .iid(let q), .withoutReplacement(let q):
            tables = [AliasTable(weights: q.probabilities)]
            probabilities = q.probabilities
        case .independent(let qs):
            tables = qs.map { AliasTable(weights: $0.probabilities) }
            probabilities = []
        case .greedy(let q):
            var rest = q.probabilities
            for t in law.deterministicTokens { rest[t] = 0 }
            tables = [AliasTable(weights: rest)]
            probabilities = q.probabilities
        case .specHub(let q):
            var rest = q.probabilities
            rest[law.deterministicTokens[0]] = 0
            tables = [AliasTable(weights: q.probabilities), AliasTable(weights: rest)]
            probabilities = q.probabilities
        case .explicit(let e):
            tables = [AliasTable(weights: e.probabilities)]
            probabilities = []
        }
    }

    /// Writes one draft tuple, in draw order, into `tuple` (resized to n).
    @inlinable
    public func sample(into tuple: inout [Int], using rng: inout some RandomNumberGenerator) {
        let n = law.drafts
        if tuple.count != n { tuple = [Int](repeating: 0, count: n) }
        switch law.kind {
        case .iid:
            for i in 0..<n { tuple[i] = tables[0].sample(using: &rng) }
        case .independent:
            for i in 0..<n { tuple[i] = tables[i].sample(using: &rng) }
        case .withoutReplacement:
            for i in 0..<n {
                var x = -1
                for _ in 0..<64 {
                    let c = tables[0].sample(using: &rng)
                    if !tuple[0..<i].contains(c) { x = c; break }
                }
                if x < 0 { x = exactRemainingDraw(excluding: tuple[0..<i], using: &rng) }
                tuple[i] = x
            }
        case .greedy:
            for (i, t) in law.deterministicTokens.enumerated() { tuple[i] = t }
            tuple[n - 1] = tables[0].sample(using: &rng)
        case .specHub:
            let hub = law.deterministicTokens[0]
            let first = tables[0].sample(using: &rng)
            tuple[0] = first
            tuple[1] = first == hub ? tables[1].sample(using: &rng) : hub
        case .explicit(let e):
            let row = e.tuples[tables[0].sample(using: &rng)]
            for i in 0..<n { tuple[i] = row[i] }
        }
    }

    /// A new draft tuple.
    public func sample(using rng: inout some RandomNumberGenerator) -> [Int] {
        var tuple: [Int] = []
        sample(into: &tuple, using: &rng)
        return tuple
    }

    /// An exact draw from q restricted to the tokens not in `taken`, by inversion over the remaining mass.
    @usableFromInline
    func exactRemainingDraw(excluding taken: ArraySlice<Int>, using rng: inout some RandomNumberGenerator) -> Int {
        var remaining = 0.0
        for (i, x) in probabilities.enumerated() where !taken.contains(i) { remaining += x }
        let target = rng.nextUniform() * remaining
        var cumulative = 0.0
        var last = -1
        for (i, x) in probabilities.enumerated() where x > 0 && !taken.contains(i) {
            cumulative += x
            last = i
            if target < cumulative { return i }
        }
        return last
    }
}

extension DraftLaw {
    /// A sampler with precomputed alias tables: build once, draw many tuples.
    public func makeSampler() -> DraftSampler { DraftSampler(self) }

    /// One draft tuple (O(V) setup each call; use ``makeSampler()`` in loops).
    public func sample(using rng: inout some RandomNumberGenerator) -> [Int] {
        makeSampler().sample(using: &rng)
    }
}
