import Multidraft
import MultidraftIO
import Testing
@testable import ExperimentSupport

/// The block level on the real SmolLM2-135M trees cut to 5 tokens per node (`Experiments/data/smollm2-135m-trees`):
/// at every shipped position the block LP is certified, every verifier stays below it, block verification equals
/// the one-chain closed form, and the LP verifier reaches it on the positions where GLPK's simplex failed before
/// the verifier's LP was rescaled (5 positions in the old variables, 6 in the shares without GLPK's scaling) and where
/// the scaled simplex alone misses losslessness (position 12, one chain).
@Suite struct RealTreeBlockLevelTests {
    @Test func everyVerifierIsBelowTheCertifiedBlockLP() throws {
        let trees = try BlockVerificationExperiment.realTrees()
        #expect(trees.count == 24 && trees.allSatisfy { $0.model.vocabularySize == 5 && !$0.model.isContextFree })
        let registry = VerifierRegistry.standard
        let formerFailures: Set<Int> = [7, 8, 9, 12, 13, 15, 18, 19, 20]
        for (s, tree) in trees.enumerated() {
            let m = tree.model
            for k in [1, 2] {
                let bound = try BlockBound(model: m, drafts: k, length: 2)
                #expect(bound.blockEfficiencyUpper - bound.blockEfficiencyLower <= 1e-9, "position \(s), K = \(k)")
                let upper = bound.blockEfficiencyUpper
                if k == 1 {
                    let single = 1 + BlockBound.singleChain(model: m, length: 2)
                    let block = 1 + (try BlockVerification(model: m, length: 2)).expectedAccepted()
                    #expect(abs(single - upper) <= 1e-9 && abs(block - single) <= 1e-12, "position \(s)")
                }
                let scheme = try SelectedChainVerification(model: m, drafts: k, length: 2)
                #expect(1 + scheme.expectedAccepted() <= upper + 1e-12, "position \(s), K = \(k)")
                for name in ["optimal", "rrs"] {
                    let entry = try registry.entry(named: name)
                    let value = try BlockEfficiency(
                        model: m, law: .iid, drafts: k, length: 2, verifierName: name,
                        make: { try entry.make($0, $1) }
                    ).exact()
                    #expect(value <= upper + 1e-12, "position \(s), K = \(k), \(name)")
                }
                // position 12 with one chain: the scaled simplex's plan misses losslessness by 2.8e-9, so the
                // verifier's fallback (unscaled, then exact) decides
                if (k == 2 && formerFailures.contains(s)) || (k == 1 && s == 12) {
                    let lp = try BlockLPVerifier(model: m, drafts: k, length: 2)
                    #expect(lp.losslessDeviation() <= 1e-9, "position \(s)")
                    #expect(abs(1 + lp.expectedAccepted() - upper) <= 1e-6, "position \(s)")
                }
            }
        }
    }
}

/// The real pair at full vocabulary along its sampled chains (`chain_laws.safetensors`): the laws read back agree
/// with the original export's own per-token values (`trees.safetensors`: p and q of every drafted token, and block
/// verification's residual mass, computed in float64 from the model), so the file's node order is the chains'.
@Suite struct RealChainLawsTests {
    @Test func sampledChainsAgreeWithTheTreeExport() throws {
        // the first 6 positions (the file's rows are in the tree export's order; building every position's laws
        // takes about 20 s in a debug build)
        let chains = try BlockVerificationExperiment.realChains(drafts: 3, length: 2, positions: 6)
        #expect(chains.count == 6 && chains.allSatisfy { $0.chains.vocabularySize == 49_152 })
        let path = "Experiments/data/smollm2-135m/trees.safetensors"
        let (tensors, _) = try TensorFile.open(path)
        let p = try #require(tensors["layerskip.p_token"]), q = try #require(tensors["layerskip.q_token"])
        let residual = try #require(tensors["layerskip.block_residual"]), rows = try #require(tensors["rows"])
        let rrs = try VerifierRegistry.standard.entry(named: "rrs")
        for (s, real) in chains.enumerated() {
            #expect(Double(real.row) == rows.element(s), "position \(s)")
            for a in 0..<3 {
                let row = s * 4 + a // the tree export holds 4 chains per position
                let x = real.chains.chains[a]
                let pt = p.row(row), qt = q.row(row)
                for i in 0..<2 {
                    let node = try #require(real.chains.laws[Array(x[..<i])])
                    // float16 log-probabilities: within 2⁻¹¹ |log p| relative, plus the renormalisation
                    #expect(abs(node.target[x[i]] / pt[i] - 1) < 5e-3, "position \(s) chain \(a) token \(i)")
                    #expect(abs(node.draft[x[i]] / qt[i] - 1) < 5e-3, "position \(s) chain \(a) token \(i)")
                }
                // one chain, token by token (RRS with one draft): 1 + a₁ (1 + a₂), aᵢ = min(1, p/q)
                let one = try SampledChains(
                    chains: [x], laws: real.chains.laws.filter { $0.key.isEmpty || $0.key == [x[0]] })
                let a1 = min(1, pt[0] / qt[0]), a2 = min(1, pt[1] / qt[1])
                let tokenByToken = try one.nodeByNode(verifierName: "rrs") { try rrs.make($0, $1) }
                #expect(abs(tokenByToken - (1 + a1 * (1 + a2))) < 1e-2, "position \(s) chain \(a)")
                // block verification: the export's stop law from its float64 scalars
                let stop = BlockVerification.stopLaw(
                    targetProbabilities: Array(pt.prefix(2)), draftProbabilities: Array(qt.prefix(2)),
                    residualMasses: [residual.row(row)[1]])
                let exported = 1 + stop.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element }
                #expect(abs(one.blockVerification() - exported) < 1e-2, "position \(s) chain \(a)")
            }
        }
    }
}
