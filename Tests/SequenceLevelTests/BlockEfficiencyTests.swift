import Foundation
import Testing
@testable import SequenceLevel
import Distributions
import MultidraftSupport
import Verifiers

/// Block efficiency: Leviathan's chains, exact recursion against Monte Carlo on Markov models, and sequence-level
/// losslessness by enumeration.
@Suite struct BlockEfficiencyTests {
    static func randomModel(_ v: Int, seed: UInt64, markov: Bool) throws -> SequenceModel {
        var rng = Xoshiro256(seed: seed)
        func d() -> Distribution { Distribution.dirichlet(v, concentration: 0.8, using: &rng) }
        let p = d(), q = d()
        guard markov else { return try SequenceModel(target: p, draft: q) }
        return try SequenceModel(
            target: p, draft: q, targetTransitions: (0..<v).map { _ in d() },
            draftTransitions: (0..<v).map { _ in d() })
    }

    static func block(
        _ model: SequenceModel, _ name: String, law: DraftLawName = .iid, drafts: Int, length: Int
    ) throws -> BlockEfficiency {
        let entry = try VerifierRegistry.standard.entry(named: name)
        return try BlockEfficiency(
            model: model, law: law, drafts: drafts, length: length, verifierName: name,
            make: { try entry.make($0, $1) })
    }

    /// K = 1 in the context-free model: (1 − α^{L+1})/(1 − α), α = Σ min(p, q), for every verifier that takes
    /// one draft (each is speculative sampling there).
    @Test func chainsReproduceLeviathan() throws {
        for seed in 0..<8 {
            let model = try Self.randomModel(3 + seed % 4, seed: UInt64(seed), markov: false)
            let a = zip(model.firstTarget.probabilities, model.firstDraft.probabilities).reduce(0) {
                $0 + min($1.0, $1.1)
            }
            for name in ["rrs", "kseq", "optimal", "single"] {
                for length in [0, 1, 3, 6] {
                    let e = try Self.block(model, name, drafts: 1, length: length).exact()
                    #expect(
                        abs(e - (1 - pow(a, Double(length + 1))) / (1 - a)) < 1e-12, "\(name) seed \(seed) L \(length)")
                }
            }
        }
    }

    /// Exact recursion = Monte Carlo within 5 standard errors on Markov models (fixed seeds, 200,000 blocks), and the
    /// optimal verifier's block efficiency is ≥ RRS's and K-SEQ's (it is optimal node by node; not a theorem for
    /// blocks, checked here on these instances).
    @Test func exactMatchesMonteCarloOnMarkovModels() throws {
        for seed in 0..<3 {
            let model = try Self.randomModel(3 + seed, seed: 100 + UInt64(seed), markov: true)
            var values: [String: Double] = [:]
            for name in ["rrs", "kseq", "optimal"] {
                let b = try Self.block(model, name, drafts: 3, length: 3)
                let e = try b.exact()
                let mc = try b.simulate(trials: 200_000, seed: 7 + UInt64(seed), threads: 2)
                #expect(
                    abs(mc.mean - e) <= 5 * mc.standardError,
                    "\(name) seed \(seed): exact \(e) mc \(mc.mean) ± \(mc.standardError)")
                values[name] = e
            }
            #expect(
                values["optimal"]! >= values["kseq"]! - 1e-12 && values["optimal"]! >= values["rrs"]! - 1e-12,
                "\(values)")
        }
    }

    /// Monte Carlo does not depend on the thread count.
    @Test func simulationIsDeterministic() throws {
        let b = try Self.block(try Self.randomModel(4, seed: 5, markov: true), "rrs", drafts: 2, length: 4)
        let one = try b.simulate(trials: 25_000, seed: 3, threads: 1),
            two = try b.simulate(trials: 25_000, seed: 3, threads: 2)
        #expect(one.mean == two.mean && one.standardError == two.standardError)
    }

    /// Sequence-level losslessness: the law of the first 3 generated tokens equals the target's (to 1e-12) for every
    /// verifier, both laws, context-free and Markov models, V ≤ 4 — by enumeration of every path.
    @Test func generatedSequencesFollowTheTarget() throws {
        for seed in 0..<4 {
            let v = 3 + seed % 2
            for markov in [false, true] {
                let model = try Self.randomModel(v, seed: 200 + UInt64(seed), markov: markov)
                for name in ["rrs", "kseq", "optimal", "naive", "rrs-without-replacement"] {
                    let law: DraftLawName = name == "rrs-without-replacement" ? .withoutReplacement : .iid
                    let b = try Self.block(model, name, law: law, drafts: 2, length: 2)
                    let generated = try b.generatedSequenceLaw(tokens: 3)
                    var worst = 0.0
                    for x0 in 0..<v {
                        for x1 in 0..<v {
                            for x2 in 0..<v {
                                let target =
                                    model.laws(after: nil).target[x0] * model.laws(after: x0).target[x1]
                                    * model.laws(after: x1).target[x2]
                                worst = max(worst, abs((generated[[x0, x1, x2]] ?? 0) - target))
                            }
                        }
                    }
                    #expect(worst < 1e-12, "\(name) markov \(markov) seed \(seed): \(worst)")
                }
            }
        }
    }

    /// Draft trees by branching per depth: K sequences are the branching (K, 1, …, 1); a (2, 2) tree matches Monte
    /// Carlo within 5 standard errors, is lossless, and yields at least the (2, 1) tree's tokens for the optimal
    /// verifier.
    @Test func branchingTrees() throws {
        let model = try Self.randomModel(3, seed: 9, markov: true)
        let entry = try VerifierRegistry.standard.entry(named: "optimal")
        func tree(_ b: [Int]) throws -> BlockEfficiency {
            try BlockEfficiency(
                model: model, law: .iid, branching: b, verifierName: "optimal", make: { try entry.make($0, $1) })
        }
        #expect(
            abs(try tree([3, 1, 1]).exact() - (try Self.block(model, "optimal", drafts: 3, length: 3).exact())) < 1e-12)
        let wide = try tree([2, 2])
        let e = try wide.exact()
        let mc = try wide.simulate(trials: 200_000, seed: 5, threads: 2)
        #expect(abs(mc.mean - e) <= 5 * mc.standardError, "exact \(e) mc \(mc.mean) ± \(mc.standardError)")
        #expect(e >= (try tree([2, 1]).exact()) - 1e-12)
        #expect(wide.draftTokens == 6)
        let law = try wide.generatedSequenceLaw(tokens: 3)
        var worst = 0.0
        for x0 in 0..<3 {
            for x1 in 0..<3 {
                for x2 in 0..<3 {
                    let target =
                        model.laws(after: nil).target[x0] * model.laws(after: x0).target[x1]
                        * model.laws(after: x1).target[x2]
                    worst = max(worst, abs((law[[x0, x1, x2]] ?? 0) - target))
                }
            }
        }
        #expect(worst < 1e-12)
    }

    /// Explicit trees: a full (2, 1) tree equals the branching form exactly; an irregular tree matches Monte Carlo
    /// within 5 standard errors and is lossless; an explicit chain gives Leviathan's formula.
    @Test func explicitTrees() throws {
        let model = try Self.randomModel(3, seed: 21, markov: true)
        for name in ["rrs", "optimal"] {
            let entry = try VerifierRegistry.standard.entry(named: name)
            func explicit(_ parents: [Int]) throws -> ExplicitTreeEfficiency {
                try ExplicitTreeEfficiency(
                    model: model, law: .iid, tree: DraftTree(parents: parents), verifierName: name,
                    make: { try entry.make($0, $1) })
            }
            let branching = try BlockEfficiency(
                model: model, law: .iid, branching: [2, 1], verifierName: name,
                make: { try entry.make($0, $1) })
            #expect(abs(try explicit([-1, 0, 0, 1, 2]).exact() - branching.exact()) < 1e-12, "\(name)")
            let irregular = try explicit([-1, 0, 0, 1, 1, 3])
            let e = try irregular.exact()
            let mc = try irregular.simulate(trials: 200_000, seed: 11, threads: 2)
            #expect(abs(mc.mean - e) <= 5 * mc.standardError, "\(name): exact \(e) mc \(mc.mean) ± \(mc.standardError)")
        }
        let cf = try Self.randomModel(4, seed: 22, markov: false)
        let a = zip(cf.firstTarget.probabilities, cf.firstDraft.probabilities).reduce(0) { $0 + min($1.0, $1.1) }
        let entry = try VerifierRegistry.standard.entry(named: "kseq")
        let chain = try ExplicitTreeEfficiency(
            model: cf, law: .iid, tree: .chain(4), verifierName: "kseq", make: { try entry.make($0, $1) })
        #expect(abs(try chain.exact() - (1 - pow(a, 5)) / (1 - a)) < 1e-12)
    }

    /// Sizes the enumeration cannot finish are refused with the estimate.
    @Test func exactRecursionRefusesLargeSizes() throws {
        let b = try Self.block(try Self.randomModel(40, seed: 1, markov: false), "rrs", drafts: 5, length: 3)
        #expect(throws: SequenceLevelError.self) { try b.exact() }
        do { _ = try b.exact() } catch { #expect("\(error)".contains("steps")) }
    }
}
