import MultidraftSupport
import Distributions

/// What the simulator drafts from.
public enum DraftSource: Sendable {
    /// Abstract level (A): a ~ D i.i.d.; token i is accepted iff U_i < a_i.
    case abstract(AcceptanceLaw)
    /// Token level (B), context-free: Y ~ q, a = min(1, p(Y)/q(Y)), accepted iff U q(Y) < p(Y); a rejection emits a
    /// token from norm((p − q)_+), a fully accepted round a bonus token from p.
    case tokens(target: Distribution, draft: Distribution)
}

/// The outcome of one simulated round.
public struct RoundOutcome: Sendable, Hashable {
    /// K: tokens drafted (draft passes) this round.
    public var drafted: Int
    /// A: drafted tokens accepted.
    public var accepted: Int
    /// Drafted tokens not in the output (counted at verification; 0 for the hindsight oracle).
    public var discarded: Int
    /// Tokens emitted (A + 1); for the token level also their ids in `tokens`.
    public var emitted: Int
    public var tokens: [Int]
}

/// A round-by-round simulator of single-draft speculative decoding with a stopping policy
/// (candidate-length.md §1, §10, §11; Leviathan et al. 2023, arXiv 2211.17192; Huang et al. 2024, arXiv 2405.19715).
///
/// ```
/// draft: k ← 0; repeat { draft Y_k (t_d); observe a_k, â_k = head(a_k); stop? (policy on k, Π â) } until stop
/// verify (t_t): fresh U_i, i = 1..k; first failure j → emit accepted + residual token, discard k − (j − 1);
///               none → emit k accepted + bonus from p
/// ```
///
/// Three independent random streams: drafting, acceptance coins (drawn only at verification, so the policy never
/// sees them; the hindsight oracle is the one documented exception) and residual/bonus sampling. O(K) per round.
public struct RoundSimulator: Sendable {
    public let source: DraftSource
    public let policy: StoppingPolicy
    public let cost: CostModel

    // Sampling tables.
    let draftTable: AliasTable
    let acceptance: [Double] // per draft column: a
    let target: [Double]
    let draft: [Double]
    let residualTable: AliasTable?
    let bonusTable: AliasTable?
    let isTokenLevel: Bool

    public init(source: DraftSource, policy: StoppingPolicy, cost: CostModel) throws {
        switch policy {
        case .fixed(let k) where k < 0:
            throw CandidateLengthError.invalidLength(name: "fixed length", value: k, detail: "must be >= 0")
        case .hindsightOracle(let cap) where cap < 0:
            throw CandidateLengthError.invalidLength(name: "oracle max length", value: cap, detail: "must be >= 0")
        default: break
        }
        self.source = source
        self.policy = policy
        self.cost = cost
        switch source {
        case .abstract(let law):
            draftTable = AliasTable(weights: law.weights)
            acceptance = law.values
            target = []
            draft = []
            residualTable = nil
            bonusTable = nil
            isTokenLevel = false
        case .tokens(let p, let q):
            guard p.vocabularySize == q.vocabularySize else {
                throw CandidateLengthError.invalidSimulation(
                    "target has \(p.vocabularySize) tokens, draft \(q.vocabularySize)")
            }
            draftTable = AliasTable(weights: q.probabilities)
            target = p.probabilities
            draft = q.probabilities
            acceptance = zip(p.probabilities, q.probabilities).map { $1 > 0 ? min(1, $0 / $1) : 1 }
            let residual = zip(p.probabilities, q.probabilities).map { max(0, $0 - $1) }
            residualTable = residual.contains { $0 > 0 } ? AliasTable(weights: residual) : nil
            bonusTable = AliasTable(weights: p.probabilities)
            isTokenLevel = true
        }
    }

    /// One round with explicit streams for drafting, acceptance coins and residual/bonus sampling.
    public func simulateRound(
        draftRNG: inout some RandomNumberGenerator,
        acceptanceRNG: inout some RandomNumberGenerator,
        residualRNG: inout some RandomNumberGenerator
    ) -> RoundOutcome {
        var drafted: [Int] = [] // draft-table columns (token ids at the token level, support indices otherwise)
        var pendingRejection = false
        switch policy {
        case .fixed(let k):
            for _ in 0..<k { drafted.append(draftTable.sample(using: &draftRNG)) }
        case .threshold(let rule):
            if !(rule.minLength == 0 && rule.fires(0)) {
                var including = 1.0, excluding = 1.0
                while true {
                    let y = draftTable.sample(using: &draftRNG)
                    drafted.append(y)
                    excluding = including
                    including *= rule.head.estimate(acceptance[y])
                    if rule.stops(
                        afterDrafting: drafted.count, productIncluding: including, productExcluding: excluding)
                    {
                        break
                    }
                }
            }
        case .hindsightOracle(let cap):
            // Peeks at the acceptance coin of each candidate; the first would-be rejection is never drafted.
            while drafted.count < cap {
                let y = draftTable.sample(using: &draftRNG)
                if accepts(y, acceptanceRNG.nextUniform()) {
                    drafted.append(y)
                } else {
                    pendingRejection = true
                    break
                }
            }
            var out = RoundOutcome(
                drafted: drafted.count, accepted: drafted.count, discarded: 0,
                emitted: drafted.count + 1, tokens: [])
            if isTokenLevel {
                out.tokens = drafted
                out.tokens.append(
                    pendingRejection
                        ? residualTable!.sample(using: &residualRNG) : bonusTable!.sample(using: &residualRNG))
            }
            return out
        }
        // Verification: fresh coins, only now.
        let k = drafted.count
        var accepted = 0
        while accepted < k, accepts(drafted[accepted], acceptanceRNG.nextUniform()) { accepted += 1 }
        var out = RoundOutcome(
            drafted: k, accepted: accepted, discarded: k - accepted, emitted: accepted + 1, tokens: [])
        if isTokenLevel {
            out.tokens = Array(drafted[0..<accepted])
            let last =
                accepted < k ? residualTable!.sample(using: &residualRNG) : bonusTable!.sample(using: &residualRNG)
            out.tokens.append(last)
        }
        return out
    }

    @inline(__always)
    func accepts(_ column: Int, _ u: Double) -> Bool {
        isTokenLevel ? u * draft[column] < target[column] : u < acceptance[column]
    }

    /// Runs `rounds` rounds on streams 0 (drafting), 1 (acceptance), 2 (residual/bonus) of `seed`.
    public func run(rounds: Int, seed: UInt64) throws -> SimulationReport {
        guard rounds >= 1 else { throw CandidateLengthError.invalidSimulation("rounds must be >= 1, got \(rounds)") }
        var d = Xoshiro256(seed: seed, stream: 0)
        var a = Xoshiro256(seed: seed, stream: 1)
        var r = Xoshiro256(seed: seed, stream: 2)
        var report = SimulationReport(cost: cost, vocabularySize: isTokenLevel ? target.count : 0)
        for _ in 0..<rounds {
            report.record(simulateRound(draftRNG: &d, acceptanceRNG: &a, residualRNG: &r))
        }
        return report
    }
}
