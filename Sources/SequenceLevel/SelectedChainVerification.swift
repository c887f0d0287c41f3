import OptimalVerifier
import AcceptanceBounds
import Foundation
import Distributions
import ImportanceSampling
import MultidraftSupport

/// A multi-path block scheme usable at any vocabulary size (`select-block`): of K i.i.d. draft chains, select one by
/// its first token with the optimal selection rule, then verify the selected chain as a block against the law the
/// selection induced.
///
/// ```
/// 1. d¹..dᴷ i.i.d. chains of length γ from q (first position law q₁)
/// 2. i = the optimal selection rule applied to the first tokens (d¹₁..dᴷ₁): block priority + fitted Luce weights,
///    whose selected-token law r_w is computed exactly (RealisedOptimalSelection)
/// 3. block verification of dⁱ with draft chain law r(x) = r_w(x₁) · q(x₂..x_γ | x₁)
/// ```
///
/// **Lossless [proven here].** The rule looks at first tokens only, with randomness independent of everything else.
/// The chains are i.i.d., so given the selected first token z, the selected chain's continuation is a fresh draw from
/// q(· | z): the selected chain has law r exactly. Block verification of one chain drawn from r, run against r, emits
/// a block whose continuation by the target is the target's law (Sun et al.'s guarantee, which holds for any chain
/// law r with the conditionals it uses; checked here by enumeration). The scheme does not need the rule to be
/// optimal; only r_w must be the rule's true induced law, which the toolkit computes in closed form.
///
/// **Value.** Its expected accepted tokens are L*(1, γ) for the pair (p, r): at γ = 1 the coin acceptance
/// Σ min(p, r_w) = alpha* − certified gap (the optimal verifier); at K = 1, block verification. It uses the other
/// chains only at the first position, so where K chains share longer prefixes it can fall below node-by-node
/// verification; the `block_verification` experiment measures both against the block LP.
///
/// - Complexity: setup = the optimal selection law and its fit at the first position (``RealisedOptimalSelection``)
///   plus O(V log V); per round O(K + γ log V) for context-free models (O(K + γ V) Markov). Exact values enumerate the
///   V^γ chains of r.
public struct SelectedChainVerification: Sendable {
    public let model: SequenceModel
    public let drafts: Int
    public let length: Int
    /// The first-position selection: r*, the rule, r_w and the certified gap.
    public let selection: RealisedOptimalSelection
    /// Block verification of the selected chain, whose first token has law r_w.
    public let chain: BlockVerification
    /// Alias table of the first-position draft law q₁ (the K first tokens).
    let firstDraftTable: AliasTable

    public init(model: SequenceModel, drafts: Int, length: Int, threads: Int = 1) throws {
        guard drafts >= 1 else { throw BlockBoundError.invalidDrafts(drafts) }
        guard length >= 1 else { throw BlockBoundError.invalidLength(length) }
        let selection = try RealisedOptimalSelection(
            target: model.firstTarget,
            law: DraftLaw.iid(model.firstDraft, drafts: drafts), threads: threads)
        self.selection = selection
        self.chain = try BlockVerification(
            model: model, length: length,
            firstDraft: Distribution(normalizing: selection.realisedLaw))
        self.model = model
        self.drafts = drafts
        self.length = length
        firstDraftTable = AliasTable(weights: model.firstDraft.probabilities)
    }

    /// Exact expected accepted draft tokens: block verification of r, by enumeration of its V^γ chains.
    public func expectedAccepted() -> Double { chain.expectedAccepted() }

    /// One round from fresh drafts: the emitted block (accepted tokens of the selected chain, then one extra token).
    /// Only the selected chain's continuation is drawn (the others' would be discarded unread).
    public func sampleBlock(using rng: inout some RandomNumberGenerator) -> [Int] {
        let firsts = (0..<drafts).map { _ in firstDraftTable.sample(using: &rng) }
        let i = selection.rule.selectPosition(firsts, using: &rng)
        return chain.verify(chain.extend([firsts[i]], using: &rng), using: &rng)
    }

    /// One round: the number of tokens it produces.
    public func sampleRound(using rng: inout some RandomNumberGenerator) -> Int {
        let firsts = (0..<drafts).map { _ in firstDraftTable.sample(using: &rng) }
        let i = selection.rule.selectPosition(firsts, using: &rng)
        return chain.drawStop(chain.stopLaw(chain: chain.extend([firsts[i]], using: &rng)), using: &rng) + 1
    }

    /// Monte Carlo block efficiency (tokens per round), seeded in chunks: independent of `threads`.
    public func simulate(trials: Int, seed: UInt64, threads: Int = 1) -> (mean: Double, standardError: Double) {
        simulateBlocks(trials: trials, seed: seed, threads: threads) { rng in sampleRound(using: &rng) }
    }

    /// The exact law of the emitted block computed from the scheme itself (every K-tuple of first tokens, the rule's
    /// position probabilities, every continuation, block verification's outcome), not from r: small V, for tests.
    /// O(V^K · V^(γ−1) · γ V).
    public func blockLaw() -> [[Int]: Double] {
        let v = model.vocabularySize
        let q1 = model.firstDraft
        var law: [[Int]: Double] = [:]
        var tuple = [Int](repeating: 0, count: drafts)
        for code in 0..<Int(pow(Double(v), Double(drafts))) {
            var c = code, pt = 1.0
            for j in 0..<drafts { tuple[j] = c % v; c /= v; pt *= q1[tuple[j]] }
            guard pt > 0 else { continue }
            for (j, weight) in selection.rule.positionWeights(for: tuple).enumerated() where weight > 0 {
                forEachContinuation(of: [tuple[j]]) { x, qx in
                    let o = chain.outcome(chain: x)
                    for i in 0...length where o.stop[i] > 0 {
                        for (t, pn) in o.next[i].enumerated() where pn > 0 {
                            law[Array(x[0..<i]) + [t], default: 0] += pt * weight * qx * o.stop[i] * pn
                        }
                    }
                }
            }
        }
        return law
    }

    private func forEachContinuation(of prefix: [Int], _ body: ([Int], Double) -> Void) {
        var x = prefix
        func recurse(_ qx: Double) {
            if x.count == length { body(x, qx); return }
            let q = model.laws(after: x.last).draft
            for t in 0..<model.vocabularySize where q[t] > 0 {
                x.append(t)
                recurse(qx * q[t])
                x.removeLast()
            }
        }
        recurse(1)
    }
}
