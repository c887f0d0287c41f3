import Distributions

/// The trivial selection rule for K = 1: the only draft is the intermediate token, p_I = q₁, and the two-step
/// scheme reduces to single-draft speculative sampling (Khisti et al., arXiv 2410.18234; verifiers.md §1, §7.1).
/// O(V) for p_I, O(1) per draw.
public struct SoleDraftSelection: SelectionRule, Equatable {
    public let vocabularySize: Int
    public var draftCount: Int { 1 }

    public init(vocabularySize: Int) {
        self.vocabularySize = vocabularySize
    }

    public func positionWeights(for tuple: [Int]) -> [Double] { [1] }

    public func intermediate(drafts: [Distribution]) -> [Double] { drafts[0].probabilities }

    public func selectPosition(_ tuple: [Int], using rng: inout some RandomNumberGenerator) -> Int { 0 }
}
