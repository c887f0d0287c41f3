import Multidraft
import Testing
@testable import ExperimentSupport

/// The closed-form output law of the re-created block-verifier bug (vllm-ascend #7807) against a direct simulation of
/// the mechanism, and its distance from p (the bug is real: not lossless).
@Suite struct EngineAuditMechanismTests {
    @Test func blockBugFirstTokenLawMatchesSimulation() throws {
        let p = [0.35, 0.25, 0.2, 0.1, 0.06, 0.04], q = [0.1, 0.3, 0.25, 0.05, 0.2, 0.1]
        let law = EngineAuditExperiment.Instance.blockBugFirstToken(p: p, q: q)
        #expect(abs(law.reduce(0, +) - 1) < 1e-12)
        let tv = 0.5 * zip(law, p).reduce(0.0) { $0 + abs($1.0 - $1.1) }
        #expect(tv > 0.01, "the mechanism is lossy: TV \(tv)")
        // Direct simulation: x1, x2 ~ q; pi_i = prod min(1, p/q), U_i = prod of uniforms; tau = largest i with
        // pi_i >= U_i; the first emitted token is x1 if tau >= 1, else from norm((p - q)_+).
        let residual = zip(p, q).map { max(0, $0 - $1) }
        let qTable = AliasTable(weights: q), rTable = AliasTable(weights: residual)
        var rng = Xoshiro256(seed: 77)
        let n = 400_000
        var counts = [Int](repeating: 0, count: p.count)
        for _ in 0..<n {
            let x = [qTable.sample(using: &rng), qTable.sample(using: &rng)]
            var pi = 1.0, u = 1.0, tau = 0
            for (j, xj) in x.enumerated() {
                pi *= min(1, p[xj] / q[xj])
                u *= rng.nextUniform()
                if pi >= u { tau = j + 1 }
            }
            counts[tau >= 1 ? x[0] : rTable.sample(using: &rng)] += 1
        }
        for y in p.indices {
            let f = Double(counts[y]) / Double(n), sd = (law[y] * (1 - law[y]) / Double(n)).squareRoot()
            #expect(abs(f - law[y]) < 5 * sd, "token \(y): simulated \(f), closed form \(law[y])")
        }
    }
}

/// The real-tree rows of two chains verified node by node with RRS (`RealModelsExperiment.rrsPairAccepted`): averaged
/// over every pair of chains of a context-free model (exact enumeration, weights Π q), they must equal the toolkit's
/// exact block efficiency of node-by-node RRS with two i.i.d. chains (``BlockEfficiency``), to 1e-12.
@Suite struct RealChainPairTests {
    @Test func rrsPairMatchesBlockEfficiencyByEnumeration() throws {
        for (p, q) in [
            ([0.5, 0.3, 0.2], [0.2, 0.3, 0.5]), ([0.6, 0.25, 0.15], [0.5, 0.1, 0.4]), ([0.1, 0.2, 0.7], [0.3, 0.3, 0.4])
        ] {
            let target = try Distribution(p), draft = try Distribution(q)
            let beta = zip(p, q).reduce(0.0) { $0 + min($1.0, $1.1) }
            for gamma in 1...3 {
                var chains: [[Int]] = [[]]
                for _ in 0..<gamma { chains = chains.flatMap { c in (0..<3).map { c + [$0] } } }
                func chain(_ x: [Int]) -> RealModelsExperiment.Chain {
                    .init(
                        tokens: x, target: x.map { p[$0] }, draft: x.map { q[$0] },
                        overlap: Array(repeating: beta, count: gamma + 1))
                }
                var total = 0.0
                for x in chains {
                    for y in chains {
                        let weight = (x + y).reduce(1.0) { $0 * q[$1] }
                        total += weight * RealModelsExperiment.rrsPairAccepted(chain(x), chain(y), from: 0, upTo: gamma)
                    }
                }
                let exact = try BlockEfficiency(
                    model: try SequenceModel(target: target, draft: draft), law: .iid, drafts: 2,
                    length: gamma, verifierName: "rrs",
                    make: { try makeVerifier(name: "rrs", target: $0, law: $1) }
                ).exact()
                #expect(abs(1 + total - exact) < 1e-12, "p \(p) gamma \(gamma): \(1 + total) vs \(exact)")
            }
        }
    }
}
