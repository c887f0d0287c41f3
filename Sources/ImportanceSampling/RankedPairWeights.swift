import Distributions

/// K = 2 weights in the structured form of the **truncated LP** (Khisti et al., arXiv 2410.18234; structure
/// [reconstructed] in <doc:Theory#Two-step-importance-sampling-schemes>): tokens carry a rank (0 is best), Ω₁ is the s best-ranked
/// tokens and Ω₂ the rest.
///
/// ```
/// X₁ = X₂                  → that token
/// both in Ω₁               → keep the better-ranked token with probability W[rank X₁, rank X₂], else the other
/// otherwise                → keep the better-ranked token
/// ```
///
/// so that w(a, b) = W[rₐ, r_b] if rₐ < r_b, 1 − W[rₐ, r_b] if rₐ > r_b (both in Ω₁), and 1[rₐ < r_b] otherwise.
/// With s ≤ 1 it is a deterministic priority rule. ``intermediate(drafts:)`` uses suffix sums along the rank order:
///
/// ```
/// x ∈ Ω₂:  p_I(x) = q₁(x)q₂(x) + q₁(x)T₂(x) + T₁(x)q₂(x),   Tᵢ(x) = Σ_{rank y > rank x} qᵢ(y)
/// x ∈ Ω₁:  p_I(x) = q₁(x)q₂(x) + q₁(x)q₂(Ω₂) + q₁(Ω₂)q₂(x) + Σ_{y ∈ Ω₁, y ≠ x} (pairs inside Ω₁ by W)
/// ```
///
/// Complexity: O(V + s²) for p_I, O(1) per lookup; memory O(V + s²).
public struct RankedPairWeights: PairSelectionRule, Equatable {
    public let vocabularySize: Int
    /// Tokens from best to worst rank.
    public let order: [Int]
    /// rank[token] ∈ 0..<V.
    public let rank: [Int]
    /// s = |Ω₁|, in 0…V.
    public let freeCount: Int
    /// W, s × s row-major, indexed by (rank of X₁, rank of X₂): the probability of keeping the better-ranked token.
    public let freeWeights: [Double]

    /// A rule from a rank order (a permutation of 0..<V, best first), s and the s × s weights W (entries in [0, 1];
    /// the diagonal is ignored).
    public init(order: [Int], freeCount s: Int, freeWeights: [Double]) throws {
        let v = order.count
        guard v >= 1 else { throw ImportanceSamplingError.weightCount(what: "rank order", expected: 1, found: 0) }
        var rank = [Int](repeating: -1, count: v)
        for (r, token) in order.enumerated() {
            guard token >= 0, token < v, rank[token] < 0 else {
                throw ImportanceSamplingError.invalidTuple(order)
            }
            rank[token] = r
        }
        guard s >= 0, s <= v else { throw ImportanceSamplingError.invalidTruncation(s: s, vocabularySize: v) }
        guard freeWeights.count == s * s else {
            throw ImportanceSamplingError.weightCount(what: "free weights W", expected: s * s, found: freeWeights.count)
        }
        try validateOffDiagonalWeights(freeWeights, side: s) { "W[\($0), \($1)]" }
        self.vocabularySize = v
        self.order = order
        self.rank = rank
        self.freeCount = s
        self.freeWeights = freeWeights
    }

    /// The deterministic priority rule of a rank order: every pair keeps its better-ranked token (s = 0).
    public static func priority(order: [Int]) throws -> RankedPairWeights {
        try RankedPairWeights(order: order, freeCount: 0, freeWeights: [])
    }

    public func keepFirst(_ a: Int, _ b: Int) -> Double {
        let ra = rank[a], rb = rank[b]
        if ra < freeCount && rb < freeCount {
            let w = freeWeights[ra * freeCount + rb]
            return ra < rb ? w : 1 - w
        }
        return ra < rb ? 1 : 0
    }

    public func intermediate(drafts: [Distribution]) -> [Double] {
        let q1 = drafts[0], q2 = drafts[1]
        let v = vocabularySize, s = freeCount
        var pI = [Double](repeating: 0, count: v)
        // Suffix sums of strictly worse-ranked mass, accumulated from the worst rank.
        var tail1 = 0.0, tail2 = 0.0
        for r in stride(from: v - 1, through: s, by: -1) {
            let x = order[r]
            pI[x] = q1[x] * q2[x] + q1[x] * tail2 + tail1 * q2[x]
            tail1 += q1[x]
            tail2 += q2[x]
        }
        // Now tail1 = q₁(Ω₂), tail2 = q₂(Ω₂).
        for i in 0..<s {
            let x = order[i]
            var value = q1[x] * q2[x] + q1[x] * tail2 + tail1 * q2[x]
            for j in 0..<s where j != i {
                let y = order[j]
                let keepX = i < j ? freeWeights[i * s + j] : 1 - freeWeights[i * s + j] // (X₁, X₂) = (x, y)
                let keepXSecond = i < j ? freeWeights[j * s + i] : 1 - freeWeights[j * s + i] // (X₁, X₂) = (y, x)
                value += q1[x] * q2[y] * keepX + q1[y] * q2[x] * keepXSecond
            }
            pI[x] = value
        }
        return pI
    }
}

extension RankedPairWeights {
    /// The truncated LP's rank order: tokens by the score d(x) = p(x) − q₁(x)q₂(x), descending, stable (ties to the
    /// smaller index). O(V log V).
    public static func scoreOrder(target p: Distribution, first q1: Distribution, second q2: Distribution) -> [Int] {
        let score = (0..<p.vocabularySize).map { p[$0] - q1[$0] * q2[$0] }
        return (0..<p.vocabularySize).sorted { score[$0] != score[$1] ? score[$0] > score[$1] : $0 < $1 }
    }
}
