import AcceptanceBounds
import Foundation
import Solvers
import Testing
@testable import SequenceLevel
import Distributions
import MultidraftSupport
import Verifiers

/// The block LP L*(K, γ) (antichain form, cutting planes) against its definition solved as a dense LP, alpha*,
/// block verification's closed form and enumeration, node-by-node verifiers, and Sun et al.'s example.
@Suite struct BlockBoundTests {
    static func model(_ v: Int, seed: UInt64, markov: Bool) throws -> SequenceModel {
        try BlockEfficiencyTests.randomModel(v, seed: seed, markov: markov)
    }

    /// Sun et al.'s example, target (1/3, 2/3), draft (2/3, 1/3), γ = 2: token-by-token 10/9, block verification
    /// 11/9 = L*(1, 2) (exactly, certified), the prefix-coupling relaxation 12/9 above it.
    @Test func sunExample() throws {
        let m = try SequenceModel(target: Distribution([1.0 / 3, 2.0 / 3]), draft: Distribution([2.0 / 3, 1.0 / 3]))
        let bound = try BlockBound(model: m, drafts: 1, length: 2)
        #expect(
            abs(bound.lower - 11.0 / 9) < 1e-12 && abs(bound.upper - 11.0 / 9) < 1e-12, "\(bound.lower) \(bound.upper)")
        #expect(abs(BlockBound.singleChain(model: m, length: 2) - 11.0 / 9) < 1e-15)
        let bv = try BlockVerification(model: m, length: 2)
        #expect(abs(bv.expectedAccepted() - 11.0 / 9) < 1e-15)
        let token = try BlockEfficiencyTests.block(m, "single", drafts: 1, length: 2).exact()
        #expect(abs(token - (1 + 10.0 / 9)) < 1e-15)
        let tree = PathTree(model: m, depth: 2)
        let coupling = (0..<tree.count).reduce(0.0) { $0 + min(tree.target[$1], tree.draft[$1]) }
        #expect(abs(coupling - 12.0 / 9) < 1e-15)
    }

    /// γ = 1: L*(K, 1) = alpha* of K i.i.d. drafts (the dual scan), K = 1...4.
    @Test func lengthOneIsAlphaStar() throws {
        for seed in 0..<24 {
            let v = 2 + seed % 6, k = 1 + seed % 4
            let m = try Self.model(v, seed: UInt64(100 + seed), markov: false)
            let bound = try BlockBound(model: m, drafts: k, length: 1)
            let alpha = try optimalAcceptance(
                target: m.firstTarget, law: DraftLaw.iid(m.firstDraft, drafts: k), method: .dual
            ).alpha
            #expect(
                abs(bound.upper - alpha) < 1e-10 && bound.gap < 1e-10,
                "seed \(seed) V=\(v) K=\(k): \(bound.lower)…\(bound.upper) vs \(alpha)")
        }
    }

    /// K = 1: the cutting-plane value = the closed form = block verification's exact value (enumeration), which is
    /// lossless (its block law continued by the target is the target's law, every path of length γ + 1), context-free
    /// and Markov.
    @Test func oneChainIsBlockVerification() throws {
        for seed in 0..<16 {
            let v = 2 + seed % 3, length = 1 + seed % 3, markov = seed % 2 == 1
            let m = try Self.model(v, seed: UInt64(200 + seed), markov: markov)
            let label = "seed \(seed) V=\(v) γ=\(length) \(markov ? "markov" : "context-free")"
            let bound = try BlockBound(model: m, drafts: 1, length: length)
            let closed = BlockBound.singleChain(model: m, length: length)
            let bv = try BlockVerification(model: m, length: length)
            #expect(
                abs(bound.upper - closed) < 1e-10 && bound.gap < 1e-10, "\(label): \(bound.upper) vs closed \(closed)")
            #expect(abs(bv.expectedAccepted() - closed) < 1e-12, "\(label): BV \(bv.expectedAccepted()) vs \(closed)")
            #expect(Self.losslessDeviation(bv.blockLaw(), model: m, length: length) < 1e-14, "\(label)")
            let token = try BlockEfficiencyTests.block(m, "single", drafts: 1, length: length).exact()
            #expect(token <= 1 + closed + 1e-12, "\(label): token-by-token above block verification")
        }
    }

    /// The stop law from per-chain scalars (what the real-model export stores: p and q of the drafted tokens and the
    /// residual masses at the chain's weights, computed here independently) equals the model-based stop law on every
    /// chain, and averaging Σ i·P(τ = i) over the chains' draft law gives L*(1, γ).
    @Test func stopLawFromChainScalars() throws {
        for seed in 0..<8 {
            let v = 2 + seed % 3, length = 1 + seed % 3, markov = seed % 2 == 1
            let m = try Self.model(v, seed: UInt64(500 + seed), markov: markov)
            let bv = try BlockVerification(model: m, length: length)
            var expected = 0.0
            var chain = [Int](repeating: 0, count: length)
            for index in 0..<Int(pow(Double(v), Double(length))) {
                var rest = index
                for i in 0..<length { chain[i] = rest % v; rest /= v }
                func laws(_ i: Int) -> (target: Distribution, draft: Distribution) {
                    i == 0 ? (m.firstTarget, m.firstDraft) : m.laws(after: chain[i - 1])
                }
                let pTok = (0..<length).map { laws($0).target[chain[$0]] }
                let qTok = (0..<length).map { laws($0).draft[chain[$0]] }
                var weight = 1.0, residuals: [Double] = [], probability = 1.0
                for i in 0..<length {
                    probability *= qTok[i]
                    weight = min(1, weight * pTok[i] / qTok[i])
                    if i + 1 < length {
                        let (p, q) = laws(i + 1)
                        residuals.append((0..<v).reduce(0.0) { $0 + max(0, weight * p[$1] - q[$1]) })
                    }
                }
                let fromScalars = BlockVerification.stopLaw(
                    targetProbabilities: pTok, draftProbabilities: qTok,
                    residualMasses: residuals)
                let fromModel = bv.stopLaw(chain: chain)
                #expect(zip(fromScalars, fromModel).allSatisfy { abs($0 - $1) < 1e-15 }, "seed \(seed) chain \(chain)")
                expected += probability * fromScalars.enumerated().reduce(0.0) { $0 + Double($1.offset) * $1.element }
            }
            #expect(abs(expected - BlockBound.singleChain(model: m, length: length)) < 1e-12, "seed \(seed)")
        }
    }

    /// Non-decreasing in K, at most γ; every node-by-node verifier's exact block efficiency ≤ 1 + L*.
    @Test func orderAndNodeByNodeVerifiers() throws {
        for seed in 0..<6 {
            let v = 3, length = 2, markov = seed % 2 == 1
            let m = try Self.model(v, seed: UInt64(300 + seed), markov: markov)
            var previous = 0.0
            for k in 1...3 {
                let bound = try BlockBound(model: m, drafts: k, length: length)
                #expect(bound.gap < 1e-9, "seed \(seed) K=\(k): gap \(bound.gap)")
                #expect(bound.upper >= previous - 1e-10 && bound.upper <= Double(length) + 1e-12)
                previous = bound.upper
                for name in ["rrs", "kseq", "optimal"] {
                    let e = try BlockEfficiencyTests.block(m, name, drafts: k, length: length).exact()
                    #expect(
                        e <= bound.blockEfficiencyUpper + 1e-9,
                        "seed \(seed) K=\(k) \(name): \(e) > \(bound.blockEfficiencyUpper)")
                }
            }
        }
    }

    /// The antichain form equals the block LP written as its definition (variables u(d, y) per ordered draft tuple
    /// d and block y, supply and losslessness rows, GLPK), K = 2, 3.
    @Test func antichainFormEqualsDenseLP() throws {
        for (seed, v, length, k, markov) in [
            (0, 2, 2, 2, false), (1, 3, 2, 2, true), (2, 2, 3, 2, false), (3, 2, 2, 3, true),
            (4, 3, 2, 2, false)
        ] {
            let m = try Self.model(v, seed: UInt64(400 + seed), markov: markov)
            let bound = try BlockBound(model: m, drafts: k, length: length)
            let dense = try Self.denseBlockLP(m, drafts: k, length: length)
            #expect(
                abs(bound.upper - dense) < 1e-8 && bound.gap < 1e-9,
                "seed \(seed): antichain \(bound.upper) vs dense \(dense)")
        }
    }

    /// The issue's sizes: K = 2, γ = 3 at V = 6 and K = 3, γ = 2 at V = 5, certified to 1e-9.
    @Test func certifiesTheTargetSizes() throws {
        for (v, k, length) in [(6, 2, 3), (5, 3, 2)] {
            let m = try Self.model(v, seed: UInt64(500 + v), markov: false)
            let bound = try BlockBound(model: m, drafts: k, length: length)
            #expect(bound.gap <= 1e-9, "V=\(v) K=\(k) γ=\(length): gap \(bound.gap)")
            #expect(bound.upper >= BlockBound.singleChain(model: m, length: length) - 1e-12)
        }
    }

    /// Bad sizes are typed errors.
    @Test func refusals() throws {
        let m = try Self.model(4, seed: 1, markov: false)
        #expect(throws: BlockBoundError.invalidDrafts(0)) { try BlockBound(model: m, drafts: 0, length: 2) }
        #expect(throws: BlockBoundError.invalidLength(0)) { try BlockBound(model: m, drafts: 2, length: 0) }
        #expect(throws: BlockBoundError.tooLarge(variables: 340, limit: 100)) {
            try BlockBound(model: m, drafts: 2, length: 4, maxVariables: 100)
        }
    }

    /// max_z |Σ_k U(z_1..z_k) p(z_{k+1}..z_{γ+1} | z_1..z_k) − p(z)| over every path z of length γ + 1.
    static func losslessDeviation(_ law: [[Int]: Double], model m: SequenceModel, length: Int) -> Double {
        let v = m.vocabularySize
        func prob(_ seq: ArraySlice<Int>, after context: Int?) -> Double {
            var c = context, pr = 1.0
            for t in seq { pr *= m.laws(after: c).target[t]; c = t }
            return pr
        }
        var worst = 0.0
        var z = [Int](repeating: 0, count: length + 1)
        for code in 0..<Int(pow(Double(v), Double(length + 1))) {
            var x = code
            for i in 0...length { z[i] = x % v; x /= v }
            var total = 0.0
            for k in 1...(length + 1) {
                total += (law[Array(z[0..<k])] ?? 0) * prob(z[k...], after: z[k - 1])
            }
            worst = max(worst, abs(total - prob(z[...], after: nil)))
        }
        return worst
    }

    /// The block LP as defined (sequence-level theory): variables u(d, y) ≥ 0 for every ordered tuple d of K chains
    /// and every block y whose first |y| − 1 tokens are a prefix of a chain of d; Σ_y u(d, y) = Q(d); for every z of
    /// length γ + 1, Σ_d Σ_k u(d, z_1..z_k) / p(z_1..z_k) = 1 (rows scaled as in the stopping-time form).
    static func denseBlockLP(_ m: SequenceModel, drafts k: Int, length g: Int) throws -> Double {
        let v = m.vocabularySize
        func prob(_ seq: [Int], target: Bool) -> Double {
            var c: Int? = nil, pr = 1.0
            for t in seq { let l = m.laws(after: c); pr *= target ? l.target[t] : l.draft[t]; c = t }
            return pr
        }
        func sequences(_ n: Int) -> [[Int]] {
            n == 0 ? [[]] : sequences(n - 1).flatMap { s in (0..<v).map { s + [$0] } }
        }
        let chains = sequences(g)
        var tuples: [[[Int]]] = [[]]
        for _ in 0..<k { tuples = tuples.flatMap { t in chains.map { t + [$0] } } }
        let paths = sequences(g + 1).filter { prob($0, target: true) > 0 }
        let pathIndex = Dictionary(uniqueKeysWithValues: paths.enumerated().map { ($1, $0) })
        var lp = LinearProgram(sense: .maximize)
        var lossless = [[(variable: Int, coefficient: Double)]](repeating: [], count: paths.count)
        for d in tuples {
            let qd = d.reduce(1.0) { $0 * prob($1, target: false) }
            guard qd > 0 else { continue }
            var prefixes = Set<[Int]>()
            for chain in d { for i in 0...g { prefixes.insert(Array(chain[0..<i])) } }
            var supply: [(variable: Int, coefficient: Double)] = []
            for prefix in prefixes.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                for t in 0..<v {
                    let y = prefix + [t]
                    let py = prob(y, target: true)
                    guard py > 0 else { continue }
                    let j = lp.addVariable(lower: 0, objective: Double(prefix.count))
                    supply.append((j, 1 / qd))
                    for rest in sequences(g + 1 - y.count) {
                        if let zi = pathIndex[y + rest] { lossless[zi].append((j, 1 / py)) }
                    }
                }
            }
            _ = lp.addConstraint(supply, lower: 1, upper: 1)
        }
        for row in lossless { _ = lp.addConstraint(row, lower: 1, upper: 1) }
        let solution = try lp.solve()
        guard solution.status == .optimal else { throw BlockBoundError.solverFailed("\(solution.status)") }
        return solution.objective
    }
}
