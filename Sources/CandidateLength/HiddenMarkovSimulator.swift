import MultidraftSupport
import Distributions

/// A round simulator for the Markov-difficulty model with hidden difficulty (candidate-length.md §8, §11; cost
/// model of SpecDec++, Huang, Guo & Wang 2024, arXiv 2405.19715).
///
/// ```
/// k ← 0;  while k < K_max and policy(a-history):  Z_{k+1} ~ (k = 0 ? μ : P(Z_k, ·));  a_{k+1} ~ D_{Z_{k+1}};  k += 1
/// verify (t_t): fresh U_i, i = 1..k;  A = number of leading i with U_i < a_i;  emit A + 1;  discard k − A
/// ```
///
/// The policy sees only the observed history (indices into the model's union support), never Z or the coins.
/// Streams of `Xoshiro256(seed:stream:)`: 0 the hidden chain, 1 the observations a_k, 2 the acceptance coins
/// (drawn only at verification). O(K_max · policy cost) per round.
public struct HiddenMarkovSimulator: Sendable {
    public let model: HiddenMarkovDifficultyModel
    /// Continue drafting after this observed history? (history.count < K_max; K_max always stops.)
    public let policy: @Sendable ([Int]) -> Bool
    let initialTable: AliasTable
    let transitionTables: [AliasTable]
    let observationTables: [AliasTable]

    public init(model: HiddenMarkovDifficultyModel, policy: @escaping @Sendable ([Int]) -> Bool) {
        self.model = model
        self.policy = policy
        initialTable = AliasTable(weights: model.initial)
        transitionTables = model.transition.map { AliasTable(weights: $0) }
        observationTables = model.stateWeights.map { AliasTable(weights: $0) }
    }

    /// One round on explicit streams.
    public func simulateRound(
        chainRNG: inout some RandomNumberGenerator, observationRNG: inout some RandomNumberGenerator,
        acceptanceRNG: inout some RandomNumberGenerator
    ) -> RoundOutcome {
        var history: [Int] = []
        var z = -1
        while history.count < model.maxLength, policy(history) {
            z = z < 0 ? initialTable.sample(using: &chainRNG) : transitionTables[z].sample(using: &chainRNG)
            history.append(observationTables[z].sample(using: &observationRNG))
        }
        let k = history.count
        var accepted = 0
        while accepted < k, acceptanceRNG.nextUniform() < model.values[history[accepted]] { accepted += 1 }
        return RoundOutcome(drafted: k, accepted: accepted, discarded: k - accepted, emitted: accepted + 1, tokens: [])
    }

    /// Runs `rounds` rounds on streams 0, 1, 2 of `seed`.
    public func run(rounds: Int, seed: UInt64) throws -> SimulationReport {
        guard rounds >= 1 else { throw CandidateLengthError.invalidSimulation("rounds must be >= 1, got \(rounds)") }
        var c = Xoshiro256(seed: seed, stream: 0)
        var o = Xoshiro256(seed: seed, stream: 1)
        var a = Xoshiro256(seed: seed, stream: 2)
        var report = SimulationReport(cost: model.cost, vocabularySize: 0)
        for _ in 0..<rounds { report.record(simulateRound(chainRNG: &c, observationRNG: &o, acceptanceRNG: &a)) }
        return report
    }
}
