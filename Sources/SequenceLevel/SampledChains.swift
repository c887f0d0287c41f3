import AcceptanceBounds
import Distributions
import Foundation
import OptimalVerifier
import Verifiers

/// The target's and the draft's next-token laws at one node of a draft tree (after a prefix of drafted tokens).
public struct NodeLaws: Sendable {
    public let target: Distribution
    public let draft: Distribution

    public init(target: Distribution, draft: Distribution) {
        self.target = target
        self.draft = draft
    }
}

/// K draft chains that were already drawn (a real model's sampled drafts), with the target's and the draft's laws
/// at every node a verifier of these chains reads: the exact block efficiency of one round **given these drafts**,
/// integrating only the verifier's randomness.
///
/// This is what a real model can be measured on at full vocabulary size: the expectation over the drafts would need
/// the laws after every possible prefix (Vᵞ⁻¹ nodes), these values need the laws at the chains' own prefixes only.
/// Averaged over positions whose chains were drawn i.i.d. from the draft, they estimate the block efficiency.
///
/// ```
/// node by node:  E(s, A) = Σ_{y ∈ {x^a_{|s|+1} : a ∈ A}} P(Y = y | drafts of A) (1 + E(s y, {a ∈ A : x^a_{|s|+1} = y}))
///                E(s, ·) = 0 at depth γ;  block efficiency = 1 + E(∅, all chains)
/// block:         1 + Σᵢ i P(τ = i) of block verification of one chain (``BlockVerification``)
/// select-block:  1 + Σ_a β_a(x¹₁..xᴷ₁) Σᵢ i P(τ = i | chain a verified against r_w)   (``SelectedChainVerification``)
/// ```
/// where P(Y = · | drafts) is the verifier's exact output law (``Verifier/conditionalOutcome(given:)``) built for
/// the node's laws and the i.i.d. law of the surviving chains' next tokens (given their shared prefix, the surviving
/// chains' continuations are i.i.d. from the draft's law at that node), and β_a is the optimal selection rule's
/// exact probability of picking chain a.
///
/// - Complexity: node by node, one verifier per visited node (≤ K γ nodes) plus its O(V) output law; block
///   verification O(γ V) per chain; select-block adds one optimal selection at the root.
public struct SampledChains: Sendable {
    /// The K chains, each of `length` drafted tokens.
    public let chains: [[Int]]
    /// The laws after each needed prefix (the empty prefix: the root).
    public let laws: [[Int]: NodeLaws]
    public let vocabularySize: Int
    public var length: Int { chains[0].count }

    /// - Throws: ``SequenceLevelError/invalidModel(_:)`` when there are no chains, chains of different or zero
    ///   length, laws of different vocabulary sizes, a token outside the vocabulary, a prefix of a chain (length
    ///   0..γ−1) without laws, or a drafted token the draft's law gives probability 0 at its node.
    public init(chains: [[Int]], laws: [[Int]: NodeLaws]) throws {
        guard let first = chains.first, !first.isEmpty, chains.allSatisfy({ $0.count == first.count }) else {
            throw SequenceLevelError.invalidModel("sampled chains: give at least one chain, all of the same length ≥ 1")
        }
        guard let root = laws[[]] else { throw SequenceLevelError.invalidModel("sampled chains: no laws at the root") }
        let v = root.target.vocabularySize
        // prefixes in order, so that the same input always names the same bad node
        for prefix in laws.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let node = laws[prefix]!
            guard node.target.vocabularySize != v || node.draft.vocabularySize != v else { continue }
            throw SequenceLevelError.invalidModel(
                "sampled chains: the laws after \(prefix) are over \(node.target.vocabularySize) and "
                    + "\(node.draft.vocabularySize) tokens, not \(v)")
        }
        for (a, chain) in chains.enumerated() {
            for (i, token) in chain.enumerated() {
                guard token >= 0 && token < v else {
                    throw SequenceLevelError.invalidModel(
                        "sampled chains: chain \(a) token \(i) is \(token), outside the vocabulary 0..<\(v)")
                }
                guard let node = laws[Array(chain[..<i])] else {
                    throw SequenceLevelError.invalidModel(
                        "sampled chains: no laws after chain \(a)'s first \(i) tokens")
                }
                guard node.draft[token] > 0 else {
                    throw SequenceLevelError.invalidModel(
                        "sampled chains: chain \(a) token \(i) (\(token)) has draft probability 0 at its node")
                }
            }
        }
        self.chains = chains
        self.laws = laws
        vocabularySize = v
    }

    /// Exact block efficiency (tokens per round: accepted + 1) of a token-level verifier applied node by node to
    /// these chains, given them. `make` builds the verifier for a node's target and the i.i.d. law of its drafts.
    /// - Throws: ``SequenceLevelError/noExactOutcome(verifier:)`` when the verifier has no exact output law; the
    ///   verifier's own construction errors.
    public func nodeByNode(
        verifierName: String, make: (Distribution, DraftLaw) throws -> any Verifier
    ) throws -> Double {
        func expected(_ prefix: [Int], _ alive: [Int]) throws -> Double {
            let depth = prefix.count
            guard depth < length, let node = laws[prefix] else { return 0 }
            let drafts = alive.map { chains[$0][depth] }
            let verifier = try make(node.target, try DraftLaw.iid(node.draft, drafts: drafts.count))
            guard let outcome = verifier.conditionalOutcome(given: drafts) else {
                throw SequenceLevelError.noExactOutcome(verifier: verifierName)
            }
            var total = 0.0
            for y in Set(drafts).sorted() where outcome.outputLaw[y] > 0 {
                let survivors = alive.filter { chains[$0][depth] == y }
                total += outcome.outputLaw[y] * (1 + (try expected(prefix + [y], survivors)))
            }
            return total
        }
        return 1 + (try expected([], Array(chains.indices)))
    }

    /// P(τ = i), i = 0...γ, of block verification of chain `a` (its first token drawn from `firstDraft`, the
    /// root's draft law unless given): the weights from the drafted tokens' probabilities, the residual masses
    /// r_i = Σ_y (w_i p(y | x^i) − q(y | x^i))_+ from the laws along the chain. O(γ V).
    public func blockStopLaw(chain a: Int, firstDraft: Distribution? = nil) -> [Double] {
        let x = chains[a]
        var target = [Double](), draft = [Double](), residual = [Double]()
        var w = 1.0
        for i in x.indices {
            let node = laws[Array(x[..<i])]!
            let q = i == 0 ? (firstDraft ?? node.draft) : node.draft
            if i > 0 {
                // the residual mass at node i (after x^i), at the chain's weight w_i
                var r = 0.0
                for y in 0..<vocabularySize { r += max(0, w * node.target[y] - node.draft[y]) }
                residual.append(r)
            }
            target.append(node.target[x[i]])
            draft.append(q[x[i]])
            w = q[x[i]] > 0 ? min(1, w * node.target[x[i]] / q[x[i]]) : 0
        }
        return BlockVerification.stopLaw(
            targetProbabilities: target, draftProbabilities: draft, residualMasses: residual)
    }

    /// Exact block efficiency of block verification of chain `a` alone (K = 1 uses chain 0).
    public func blockVerification(chain a: Int = 0, firstDraft: Distribution? = nil) -> Double {
        1
            + blockStopLaw(chain: a, firstDraft: firstDraft).enumerated().reduce(0) {
                $0 + Double($1.offset) * $1.element
            }
    }

    /// Exact block efficiency of select-block (``SelectedChainVerification``) on these chains: the optimal
    /// selection rule of the root's laws for K i.i.d. drafts picks chain a with probability β_a(first tokens), and
    /// block verification runs against r_w, the law the rule induces on the selected first token. Returns the value
    /// and the selection (its certified gap says how close r_w's coin acceptance is to alpha*).
    public func selectBlock(threads: Int = 1) throws -> (blockEfficiency: Double, selection: RealisedOptimalSelection) {
        let root = laws[[]]!
        let selection = try RealisedOptimalSelection(
            target: root.target, law: DraftLaw.iid(root.draft, drafts: chains.count), threads: threads)
        let r = try Distribution(normalizing: selection.realisedLaw)
        let beta = selection.rule.positionWeights(for: chains.map { $0[0] })
        var value = 0.0
        for a in chains.indices where beta[a] > 0 { value += beta[a] * blockVerification(chain: a, firstDraft: r) }
        return (value, selection)
    }
}
