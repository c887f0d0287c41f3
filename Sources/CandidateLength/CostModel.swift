/// The linear time model of SpecDec++ (Huang, Guo & Wang, "SpecDec++: Boosting Speculative Decoding via Adaptive
/// Candidate Lengths", 2024, arXiv 2405.19715), as reconstructed in candidate-length.md §3:
///
/// ```
/// T = t_d N_draft + t_t N_target
/// T/N = t_d (1 + r_discard) + (t_t − t_d) r_verify,      speedup = t_t N / T
/// ```
///
/// Valid range: t_d > 0, t_t > 0 (both finite). In Leviathan's notation c = t_d / t_t.
public struct CostModel: Sendable, Hashable {
    /// Time of one draft forward pass.
    public let draftTime: Double
    /// Time of one target (verification) pass.
    public let targetTime: Double

    public init(draftTime: Double, targetTime: Double = 1) throws {
        try requirePositiveCost(draftTime, "t_draft")
        try requirePositiveCost(targetTime, "t_target")
        self.draftTime = draftTime
        self.targetTime = targetTime
    }
}

/// Long-run per-token statistics of a stopping policy: the renewal-reward ratios of one round.
///
/// ```
/// time/token = (E[K] t_d + t_t)/(E[A] + 1),  r_verify = 1/(E[A] + 1),  r_discard = (E[K] − E[A])/(E[A] + 1)
/// ```
public struct RoundStatistics: Sendable, Hashable {
    /// E[K]: drafted tokens per round.
    public let expectedLength: Double
    /// E[A]: accepted draft tokens per round.
    public let expectedAccepted: Double
    /// The cost model used.
    public let cost: CostModel

    public init(expectedLength: Double, expectedAccepted: Double, cost: CostModel) {
        self.expectedLength = expectedLength
        self.expectedAccepted = expectedAccepted
        self.cost = cost
    }

    /// E[A + 1]: tokens per round.
    public var tokensPerRound: Double { expectedAccepted + 1 }
    /// Time per token λ.
    public var timePerToken: Double { (expectedLength * cost.draftTime + cost.targetTime) / tokensPerRound }
    /// t_t / λ.
    public var speedup: Double { cost.targetTime / timePerToken }
    /// Target passes per token.
    public var verificationRate: Double { 1 / tokensPerRound }
    /// Discarded drafts per token.
    public var discardRate: Double { (expectedLength - expectedAccepted) / tokensPerRound }
}
