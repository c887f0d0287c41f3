import Multidraft
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
