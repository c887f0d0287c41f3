/// Samples draft tuples from a ``DraftLaw`` in O(n) expected time per tuple, after O(V) precomputation.
///
/// Sampling without replacement draws from q's alias table and redraws tokens already taken (exact: given
/// acceptance, the draw has the law of q restricted to the remaining tokens). After 8 consecutive redraws (the taken
/// tokens hold most of q, as at low temperature) it switches to a proposal that leaves out the taken tokens among
/// the 64 heaviest: one of those by a linear scan of their masses, or the rest through an alias table of the tokens
/// outside them, redrawing if that lands on a taken token (exact by the same argument; O(64) per draw, with no
/// subtraction of masses). Only if that too fails 64 times does it fall back to an exact O(V) draw.
public struct DraftSampler: Sendable {
    public let law: DraftLaw
    @usableFromInline let tables: [AliasTable]
    @usableFromInline let probabilities: [Double]
    /// Without replacement: the 64 heaviest tokens (descending), an alias table of the others and their total mass.
    @usableFromInline let heavyTokens: [Int]
    /// Position of each token in `heavyTokens` (−1 for the others).
    @usableFromInline let heavyRank: [Int8]
    @usableFromInline let lightTable: AliasTable?
    @usableFromInline let lightMass: Double

    public init(_ law: DraftLaw) {
        self.law = law
        if case .withoutReplacement(let q) = law.kind {
            let heavy = Array(
                q.probabilities.indices.filter { q[$0] > 0 }
                    .sorted { q[$0] > q[$1] || (q[$0] == q[$1] && $0 < $1) }.prefix(64))
            var light = q.probabilities
            for x in heavy { light[x] = 0 }
            var mass = 0.0
            for x in light.sorted() { mass += x } // increasing: the small masses are not lost
            heavyTokens = heavy
            var rank = [Int8](repeating: -1, count: q.vocabularySize)
            for (k, x) in heavy.enumerated() { rank[x] = Int8(k) }
            heavyRank = rank
            lightMass = mass
            lightTable = mass > 0 ? AliasTable(weights: light) : nil
        } else {
            heavyTokens = []
            heavyRank = []
            lightMass = 0
            lightTable = nil
        }
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
                for _ in 0..<8 {
                    let c = tables[0].sample(using: &rng)
                    if !tuple[0..<i].contains(c) { x = c; break }
                }
                if x < 0 { x = remainingDraw(excluding: tuple[0..<i], using: &rng) }
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

    /// An exact draw from q restricted to the tokens not in `taken`: the proposal q restricted to (heavy tokens not
    /// taken) ∪ (every light token), redrawn when it lands on a taken light token. O(64) per proposal.
    @usableFromInline
    func remainingDraw(excluding taken: ArraySlice<Int>, using rng: inout some RandomNumberGenerator) -> Int {
        var takenHeavy: UInt64 = 0 // bit k: heavyTokens[k] is taken
        for x in taken where heavyRank[x] >= 0 { takenHeavy |= 1 << UInt64(heavyRank[x]) }
        var heavyMass = 0.0
        for k in stride(from: heavyTokens.count - 1, through: 0, by: -1) where takenHeavy & (1 << UInt64(k)) == 0 {
            heavyMass += probabilities[heavyTokens[k]]
        }
        let total = heavyMass + lightMass
        guard total > 0 else { return exactRemainingDraw(excluding: taken, using: &rng) }
        for _ in 0..<64 {
            let u = rng.nextUniform() * total
            if u < heavyMass {
                var cumulative = 0.0, last = -1
                for k in heavyTokens.indices where takenHeavy & (1 << UInt64(k)) == 0 {
                    let x = heavyTokens[k]
                    cumulative += probabilities[x]
                    last = x
                    if u < cumulative { return x }
                }
                if last >= 0 { return last } // u within rounding of heavyMass
            } else if let table = lightTable {
                let c = table.sample(using: &rng)
                if !taken.contains(c) { return c }
            }
        }
        return exactRemainingDraw(excluding: taken, using: &rng)
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
