/// The counts of one Monte-Carlo run and the statistics derived from them.
///
/// ```
/// α̂ = member / N,   SE = sqrt(α̂(1 − α̂)/N),   95% interval = α̂ ± 1.959964·SE (clamped to [0, 1])
/// ```
public struct SimulationResult: Sendable, Equatable {
    public let verifier: String
    public let law: String
    public let drafts: Int
    public let trials: Int
    public let seed: UInt64
    /// counts[y] = number of trials with output y.
    public let counts: [Int]
    /// Trials with Y ∈ set(x).
    public let membershipCount: Int
    /// Trials where an accept test fired.
    public let coinCount: Int
    /// The target p the output law is tested against.
    public let target: [Double]
    /// Wall-clock time of the run (excluded from ``sameCounts(as:)``).
    public let elapsedMilliseconds: Double

    /// Membership acceptance α̂ = P̂(Y ∈ set(x)).
    public var acceptance: Double { Double(membershipCount) / Double(trials) }
    /// sqrt(α̂(1 − α̂)/N).
    public var standardError: Double { (acceptance * (1 - acceptance) / Double(trials)).squareRoot() }
    /// The normal-approximation 95% interval, clamped to [0, 1].
    public var confidenceInterval95: ClosedRange<Double> {
        let h = 1.959963984540054 * standardError
        return max(0, acceptance - h)...min(1, acceptance + h)
    }
    /// Coin acceptance P̂(acceptedDraft ≠ nil).
    public var coinAcceptance: Double { Double(coinCount) / Double(trials) }
    /// Trials per second.
    public var trialsPerSecond: Double { Double(trials) / max(elapsedMilliseconds, 1e-9) * 1000 }
    /// Pearson's chi-square goodness-of-fit test of the output counts against p (see ``ChiSquareTest``).
    public var chiSquare: ChiSquareTest { ChiSquareTest(counts: counts, probabilities: target) }

    /// Equal counts and parameters (timing ignored).
    public func sameCounts(as other: SimulationResult) -> Bool {
        counts == other.counts && membershipCount == other.membershipCount && coinCount == other.coinCount
            && trials == other.trials && seed == other.seed && verifier == other.verifier
    }
}
