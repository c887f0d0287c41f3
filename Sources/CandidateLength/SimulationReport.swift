import Foundation

/// Counters and per-round moments of a simulation run, with the SpecDec++ rates (candidate-length.md §3, §11).
///
/// ```
/// T/N = t_d (1 + r_discard) + (t_t − t_d) r_verify,   N_draft = N − N_target + N_discard   (exact per run)
/// SE(T/N) (delta method, ratio estimator) = sd(T_r − λ̂ N_r) / (√n · mean N_r)
/// ```
public struct SimulationReport: Sendable {
    public let cost: CostModel
    /// Independently accumulated counters.
    public private(set) var rounds = 0
    public private(set) var tokens = 0
    public private(set) var draftPasses = 0
    public private(set) var targetPasses = 0
    public private(set) var discards = 0
    /// Emitted-token counts (token level only).
    public private(set) var tokenCounts: [Int]
    // Per-round moments of K and A.
    var sumK = 0.0, sumA = 0.0, sumKK = 0.0, sumAA = 0.0, sumKA = 0.0

    init(cost: CostModel, vocabularySize: Int) {
        self.cost = cost
        self.tokenCounts = [Int](repeating: 0, count: vocabularySize)
    }

    mutating func record(_ o: RoundOutcome) {
        rounds += 1
        targetPasses += 1
        draftPasses += o.drafted
        discards += o.discarded
        tokens += o.emitted
        for t in o.tokens { tokenCounts[t] += 1 }
        let k = Double(o.drafted), a = Double(o.accepted)
        sumK += k; sumA += a; sumKK += k * k; sumAA += a * a; sumKA += k * a
    }

    /// T = t_d N_draft + t_t N_target.
    public var totalTime: Double { cost.draftTime * Double(draftPasses) + cost.targetTime * Double(targetPasses) }
    public var timePerToken: Double { totalTime / Double(tokens) }
    public var speedup: Double { cost.targetTime / timePerToken }
    public var verificationRate: Double { Double(targetPasses) / Double(tokens) }
    public var discardRate: Double { Double(discards) / Double(tokens) }
    public var tokensPerRound: Double { Double(tokens) / Double(rounds) }
    public var meanLength: Double { Double(draftPasses) / Double(targetPasses) }

    /// Standard error of T/N by the delta method: Z_r = t_d K_r + t_t − λ̂ (A_r + 1).
    public var timePerTokenStandardError: Double {
        let n = Double(rounds), l = timePerToken, td = cost.draftTime, c0 = cost.targetTime - l
        // E[Z²] with Z = td K − l A + c0
        let ez2 =
            (td * td * sumKK + l * l * sumAA + c0 * c0 * n - 2 * td * l * sumKA + 2 * td * c0 * sumK - 2 * l * c0 * sumA)
            / n
        let ez = (td * sumK - l * sumA + c0 * n) / n
        let meanN = (sumA + n) / n
        return (max(0, ez2 - ez * ez) / Double(max(1, rounds - 1))).squareRoot() / meanN
    }

    public var speedupStandardError: Double {
        cost.targetTime * timePerTokenStandardError / (timePerToken * timePerToken)
    }

    /// Standard error of the mean candidate length N_draft / N_target.
    public var meanLengthStandardError: Double {
        let n = Double(rounds), m = sumK / n
        return (max(0, sumKK / n - m * m) / max(1, n - 1)).squareRoot()
    }

    /// Standard error of tokens per round.
    public var tokensPerRoundStandardError: Double {
        let n = Double(rounds), m = sumA / n
        return (max(0, sumAA / n - m * m) / max(1, n - 1)).squareRoot()
    }

    /// Empirical law of the emitted tokens (token level).
    public var outputFrequencies: [Double] { tokenCounts.map { Double($0) / Double(tokens) } }
}
