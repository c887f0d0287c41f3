import AcceptanceBounds
import ImportanceSampling
import MultidraftSupport
import Distributions

/// Selection by **block priority and proportional (Luce) weights**, the rule that realises the optimal selection law
/// of the two-step scheme (<doc:Theory#Optimal-verifier>).
///
/// The tokens are partitioned into ordered blocks (the hull segments of ``OptimalSelectionLaw``). Given the draft
/// tuple x:
///
/// ```
/// b*  = the earliest block holding a draft
/// P(select position i) = w(xᵢ) / Σ_{j : block(xⱼ) = b*} w(xⱼ)      for block(xᵢ) = b*, else 0
/// ```
///
/// Weights are attached to *draws*: a token drafted twice has twice the weight (for draws without replacement, where
/// every drafted token is distinct, this is the Luce choice among distinct tokens of the note). Block priority makes
/// every union of leading blocks tight: the rule selects from blocks B₁ ∪ … ∪ B_j exactly when a draft lies there.
///
/// - Complexity: O(n) per selection (one block lookup and one weight per draft).
public struct BlockLuceSelection: SelectionRule {
    public let draftCount: Int
    public let vocabularySize: Int
    /// Block index of each token (smaller = higher priority).
    public let blockOfToken: [Int]
    /// w > 0 of each token.
    public let weights: [Double]
    /// (block, weight) of each token side by side, so that a selection touches one cache line per draft.
    @usableFromInline let packed: [(block: Int, weight: Double)]

    /// - Precondition: `blockOfToken` and `weights` have V entries, weights are positive and finite.
    public init(drafts n: Int, blockOfToken: [Int], weights: [Double]) {
        precondition(blockOfToken.count == weights.count && n >= 1)
        self.draftCount = n
        self.vocabularySize = weights.count
        self.blockOfToken = blockOfToken
        self.weights = weights
        self.packed = zip(blockOfToken, weights).map { ($0, $1) }
    }

    /// The earliest block among the drafts and the total weight of the draws in it.
    @inlinable
    func leadingBlock(_ tuple: [Int]) -> (block: Int, weight: Double) {
        var best = Int.max, total = 0.0
        for x in tuple {
            let (b, w) = packed[x]
            if b < best { best = b; total = w } else if b == best { total += w }
        }
        return (best, total)
    }

    public func positionWeights(for tuple: [Int]) -> [Double] {
        let (block, total) = leadingBlock(tuple)
        return tuple.map { blockOfToken[$0] == block ? weights[$0] / total : 0 }
    }

    @inlinable
    public func selectPosition(_ tuple: [Int], using rng: inout some RandomNumberGenerator) -> Int {
        let (block, total) = leadingBlock(tuple)
        let u = rng.nextUniform() * total
        var cumulative = 0.0, last = 0
        for (i, x) in tuple.enumerated() {
            let (b, w) = packed[x]
            guard b == block else { continue }
            cumulative += w
            last = i
            if u < cumulative { return i }
        }
        return last
    }

    /// The law of the selected token for draws given as a list of tuples with their probabilities (any draft law,
    /// small V): r_w(x) = Σ_tuples P(t) Σ_{i : tᵢ = x} positionWeights(t)[i]. Sums in tuple order.
    public func selectionLaw(tuples: [DraftTuple]) -> [Double] {
        var r = [Double](repeating: 0, count: vocabularySize)
        for t in tuples {
            let (block, total) = leadingBlock(t.tokens)
            for x in t.tokens where blockOfToken[x] == block { r[x] += t.probability * weights[x] / total }
        }
        return r
    }
}
