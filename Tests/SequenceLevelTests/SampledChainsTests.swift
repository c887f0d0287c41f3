import Distributions
import Foundation
import MultidraftSupport
import Testing
import Verifiers
@testable import SequenceLevel

/// Block efficiency given sampled draft chains (what a real model is measured on): averaged over every possible
/// draw of the chains with its probability, it must equal the exact block efficiency integrated over the drafts, for
/// node-by-node verifiers, block verification and select-block; and bad chains or laws are refused.
@Suite struct SampledChainsTests {
    /// The laws of an order-1 Markov model at every prefix of `chains` (they depend on the last token only).
    static func chains(_ model: SequenceModel, _ chains: [[Int]]) throws -> SampledChains {
        var laws: [[Int]: NodeLaws] = [:]
        for chain in chains {
            for i in chain.indices {
                let (p, q) = model.laws(after: i == 0 ? nil : chain[i - 1])
                laws[Array(chain[..<i])] = NodeLaws(target: p, draft: q)
            }
        }
        return try SampledChains(chains: chains, laws: laws)
    }

    /// Every draw of K chains of length γ with its probability under the model's draft (first token from `first`,
    /// the model's draft unless given).
    static func everyDraw(
        _ model: SequenceModel, drafts k: Int, length g: Int, _ body: ([[Int]], Double) throws -> Void
    ) rethrows {
        let v = model.vocabularySize
        let total = Int(pow(Double(v), Double(k * g)))
        for code in 0..<total {
            var c = code, probability = 1.0
            var chains = [[Int]](repeating: [], count: k)
            for a in 0..<k {
                for i in 0..<g {
                    let token = c % v
                    c /= v
                    let q = model.laws(after: i == 0 ? nil : chains[a][i - 1]).draft
                    probability *= q[token]
                    chains[a].append(token)
                }
            }
            if probability > 0 { try body(chains, probability) }
        }
    }

    /// Node by node (RRS, K-SEQ, optimal): the draw-weighted mean of the given-drafts values equals the exact
    /// recursion over the drafts (``BlockEfficiency``), to 1e-12, on Markov and context-free models with K ≤ 3,
    /// γ ≤ 3 (V = 3).
    @Test func nodeByNodeAveragesToTheExactValue() throws {
        for (seed, k, g) in [(0, 1, 3), (1, 2, 2), (2, 2, 3), (3, 3, 2), (4, 3, 1)] {
            let model = try BlockEfficiencyTests.randomModel(3, seed: UInt64(900 + seed), markov: seed % 2 == 0)
            for name in ["rrs", "kseq", "optimal"] {
                let entry = try VerifierRegistry.standard.entry(named: name)
                var mean = 0.0
                try Self.everyDraw(model, drafts: k, length: g) { drawn, probability in
                    mean +=
                        probability
                        * (try Self.chains(model, drawn).nodeByNode(verifierName: name) { try entry.make($0, $1) })
                }
                let exact = try BlockEfficiencyTests.block(model, name, drafts: k, length: g).exact()
                #expect(abs(mean - exact) < 1e-12, "seed \(seed) K=\(k) γ=\(g) \(name): \(mean) vs \(exact)")
            }
        }
    }

    /// Block verification of one chain and select-block: the draw-weighted means equal ``BlockVerification`` and
    /// ``SelectedChainVerification`` (which enumerate the chain law) to 1e-12.
    @Test func blockSchemesAverageToTheExactValue() throws {
        for (seed, k, g) in [(0, 1, 2), (1, 1, 3), (2, 2, 2), (3, 3, 2), (4, 2, 3)] {
            let model = try BlockEfficiencyTests.randomModel(3, seed: UInt64(950 + seed), markov: seed != 2)
            if k == 1 {
                var mean = 0.0
                try Self.everyDraw(model, drafts: 1, length: g) { drawn, probability in
                    mean += probability * (try Self.chains(model, drawn).blockVerification())
                }
                let exact = 1 + (try BlockVerification(model: model, length: g)).expectedAccepted()
                #expect(abs(mean - exact) < 1e-12, "seed \(seed) γ=\(g) block: \(mean) vs \(exact)")
            }
            var mean = 0.0
            try Self.everyDraw(model, drafts: k, length: g) { drawn, probability in
                mean += probability * (try Self.chains(model, drawn).selectBlock().blockEfficiency)
            }
            let exact = 1 + (try SelectedChainVerification(model: model, drafts: k, length: g)).expectedAccepted()
            #expect(abs(mean - exact) < 1e-12, "seed \(seed) K=\(k) γ=\(g) select-block: \(mean) vs \(exact)")
        }
    }

    /// Given drafts, one value by hand: one chain (0, 0), p = (0.5, 0.5), q = (0.8, 0.2) at the root and p = (0.3,
    /// 0.7), q = (0.6, 0.4) after token 0. Token by token: 0.625 (1 + 0.5) = 0.9375 accepted, so 1.9375 tokens.
    /// Block verification: w₁ = 0.625, w₂ = 0.3125, r₁ = Σ (0.625 p − q)_+ = 0.0375, h₁ = 0.0375/0.4125,
    /// P(τ = 2) = 0.3125, P(τ = 1) = 0.6875 h₁ = 0.0625, so 1.6875 tokens: on this draw block verification is
    /// below token by token (it is above on average over the draws).
    @Test func oneChainByHand() throws {
        let sampled = try SampledChains(
            chains: [[0, 0]],
            laws: [
                []: NodeLaws(target: Distribution([0.5, 0.5]), draft: Distribution([0.8, 0.2])),
                [0]: NodeLaws(target: Distribution([0.3, 0.7]), draft: Distribution([0.6, 0.4]))
            ])
        let rrs = try VerifierRegistry.standard.entry(named: "rrs")
        #expect(abs(try sampled.nodeByNode(verifierName: "rrs") { try rrs.make($0, $1) } - 1.9375) < 1e-15)
        #expect(abs(sampled.blockVerification() - 1.6875) < 1e-15)
    }

    @Test(arguments: [
        ([[Int]](), "at least one chain"), ([[0, 1], [1]], "same length"), ([[0, 2]], "outside the vocabulary"),
        ([[1, 0]], "no laws after chain 0's first 1"), ([[0, 1]], "draft probability 0")
    ])
    func refusesBadChains(chains: [[Int]], message: String) throws {
        let laws: [[Int]: NodeLaws] = [
            []: NodeLaws(target: try Distribution([0.5, 0.5]), draft: try Distribution([0.5, 0.5])),
            [0]: NodeLaws(target: try Distribution([0.5, 0.5]), draft: try Distribution([1, 0]))
        ]
        #expect {
            _ = try SampledChains(chains: chains, laws: laws)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
