import Foundation
import Testing
@testable import CandidateLength
import MultidraftSupport
import Distributions

/// The two-state example of MarkovTests (easy: 0.95 w.p. 0.9, 0.6 w.p. 0.1; hard: 0.3 w.p. 0.7, 0.6 w.p. 0.3), with
/// the difficulty hidden: 0.95 and 0.3 reveal the state, 0.6 does not.
func hiddenExample(maxLength: Int = 8) throws -> (hidden: HiddenMarkovDifficultyModel, observed: MarkovDifficultyModel)
{
    let laws = [
        try AcceptanceLaw(values: [0.95, 0.6], weights: [0.9, 0.1]),
        try AcceptanceLaw(values: [0.3, 0.6], weights: [0.7, 0.3])
    ]
    let p = [[0.85, 0.15], [0.5, 0.5]], mu = [0.7, 0.3]
    let cost = try CostModel(draftTime: 0.15)
    return (
        try HiddenMarkovDifficultyModel(laws: laws, transition: p, initial: mu, cost: cost, maxLength: maxLength),
        try MarkovDifficultyModel(laws: laws, transition: p, initial: mu, cost: cost, maxLength: maxLength)
    )
}

/// A model without revealing values (both states emit 0.9, 0.5 and 0.1), so no histories are merged.
func hiddenOverlapExample(maxLength: Int = 6) throws -> HiddenMarkovDifficultyModel {
    try HiddenMarkovDifficultyModel(
        laws: [
            AcceptanceLaw(values: [0.9, 0.5, 0.1], weights: [0.8, 0.15, 0.05]),
            AcceptanceLaw(values: [0.9, 0.5, 0.1], weights: [0.2, 0.3, 0.5])
        ],
        transition: [[0.9, 0.1], [0.3, 0.7]], initial: [0.6, 0.4], cost: CostModel(draftTime: 0.1), maxLength: maxLength
    )
}

/// Brute force, independent of the history tree and of the Bayes filter: enumerate every joint path
/// (Z_1, a_1, …, Z_K, a_K) the policy drafts, E[A] = Σ_path P(path) Σ_{j≤K} π_j, E[K] = Σ_path P(path) K.
func bruteForce(_ m: HiddenMarkovDifficultyModel, _ policy: ([Int]) -> Bool) -> (accepted: Double, length: Double) {
    var ea = 0.0, ek = 0.0
    func walk(_ history: [Int], _ z: Int, _ pr: Double, _ pi: Double) {
        guard history.count < m.maxLength, policy(history) else { return }
        ek += pr
        for z2 in 0..<m.laws.count {
            let t = z < 0 ? m.initial[z2] : m.transition[z][z2]
            for j in 0..<m.values.count where t > 0 && m.stateWeights[z2][j] > 0 {
                let p2 = pr * t * m.stateWeights[z2][j], pi2 = pi * m.values[j]
                ea += p2 * pi2
                walk(history + [j], z2, p2, pi2)
            }
        }
    }
    walk([], -1, 1, 1)
    return (ea, ek)
}

/// W_0(λ) by a second route: U(h) = P(h) W(h) = max{0, Σ_v (λ π(hv) P(hv) + U(hv)) − t_d P(h)} over unmerged
/// histories, with P(h) summed explicitly over all hidden sequences (no filter, no merging).
func bruteForceRoundValue(_ m: HiddenMarkovDifficultyModel, lambda: Double) -> Double {
    let s = m.laws.count
    func probability(_ h: [Int]) -> Double {
        var total = 0.0
        var zs = [Int](repeating: 0, count: h.count)
        while true {
            var p = 1.0
            for (i, z) in zs.enumerated() {
                p *= (i == 0 ? m.initial[z] : m.transition[zs[i - 1]][z]) * m.stateWeights[z][h[i]]
            }
            total += p
            var d = 0
            while d < zs.count { zs[d] += 1; if zs[d] < s { break }; zs[d] = 0; d += 1 }
            if d == zs.count { return total }
        }
    }
    func u(_ h: [Int], _ ph: Double) -> Double {
        guard h.count < m.maxLength else { return 0 }
        var q = -m.cost.draftTime * ph
        for j in 0..<m.values.count {
            let h2 = h + [j], p2 = probability(h2)
            if p2 > 0 { q += lambda * m.product(ofHistory: h2) * p2 + u(h2, p2) }
        }
        return max(0, q)
    }
    return u([], 1)
}

func timePerToken(_ x: (accepted: Double, length: Double), _ cost: CostModel) -> Double {
    (x.length * cost.draftTime + cost.targetTime) / (x.accepted + 1)
}

@Suite("Hidden-state Markov difficulty model")
struct HiddenMarkovTests {
    @Test("tree evaluation equals brute-force joint-path enumeration to 1e-12 (optimal, thresholds, random policies)")
    func treeVersusPaths() throws {
        let merged = try hiddenExample(maxLength: 6).hidden
        let plain = try hiddenOverlapExample(maxLength: 6)
        #expect(merged.nodeCount < (1...6).reduce(1) { $0 + Int(pow(3.0, Double($1))) }) // revealing values merge
        #expect(plain.nodeCount == (1...6).reduce(1) { $0 + Int(pow(3.0, Double($1))) }) // nothing to merge
        var rng = Xoshiro256(seed: 7, stream: 0)
        for m in [merged, plain] {
            var policies = [
                try m.optimum().policy, try m.thresholdPolicy(threshold: 0.4), try m.thresholdPolicy(threshold: 0.75)
            ]
            for _ in 0..<3 {
                policies.append(.init(continues: policies[0].continues.map { $0.map { _ in rng.nextUniform() < 0.8 } }))
            }
            for policy in policies {
                let exact = try m.evaluate(policy)
                let brute = bruteForce(m, m.historyFunction(policy))
                #expect(
                    abs(exact.expectedAccepted - brute.accepted) < 1e-12
                        && abs(exact.expectedLength - brute.length) < 1e-12)
            }
        }
    }

    @Test("W_0(lambda) of the filtered, merged DP equals the explicit path-sum recursion to 1e-12")
    func roundValueVersusPathSums() throws {
        for m in [try hiddenExample(maxLength: 5).hidden, try hiddenOverlapExample(maxLength: 5)] {
            for lambda in [0.2, 0.45, 0.7, 1.0] {
                #expect(abs(m.roundValue(lambda: lambda).value - bruteForceRoundValue(m, lambda: lambda)) < 1e-12)
            }
        }
    }

    @Test("K_max = 3: lambda* equals the minimum over all 2^13 history-dependent policies (path enumeration) to 1e-12")
    func exhaustivePolicySearch() throws {
        let m = try hiddenExample(maxLength: 3).hidden
        var histories: [[Int]] = [[]]
        for k in 0..<2 { for h in histories where h.count == k { for j in 0..<3 { histories.append(h + [j]) } } }
        #expect(histories.count == 13)
        var best = Double.infinity
        for mask in 0..<(1 << histories.count) {
            var table: [[Int]: Bool] = [:]
            for (i, h) in histories.enumerated() { table[h] = (mask >> i) & 1 == 1 }
            best = min(best, timePerToken(bruteForce(m) { table[$0]! }, m.cost))
        }
        let opt = try m.optimum()
        #expect(abs(best - opt.timePerToken) < 1e-12)
        #expect(abs(opt.statistics.timePerToken - opt.timePerToken) < 1e-12)
    }

    @Test(
        "reductions: one state, identical laws (IAP(D)); i.i.d. difficulty (IAP of the mixture); disjoint supports (observed state)"
    )
    func reductions() throws {
        let cost = try CostModel(draftTime: 0.2)
        let law = try AcceptanceLaw(values: [0.95, 0.3], weights: [0.8, 0.2])
        let iap = try IAPModel(law: law, cost: cost, maxLength: 10).optimum().timePerToken
        let one = try HiddenMarkovDifficultyModel(
            laws: [law], transition: [[1]], initial: [1], cost: cost, maxLength: 10)
        let same = try HiddenMarkovDifficultyModel(
            laws: [law, law], transition: [[0.9, 0.1], [0.2, 0.8]], initial: [0.5, 0.5],
            cost: cost, maxLength: 10)
        #expect(one.nodeCount == 66 && same.nodeCount == 66) // the count lattice C(10 + 2, 2)
        for m in [one, same] {
            let opt = try m.optimum()
            #expect(abs(opt.timePerToken - iap) < 1e-9)
            #expect(abs(opt.statistics.timePerToken - iap) < 1e-9)
        }
        // i.i.d. difficulty: every row of P equals μ, so a_k are i.i.d. with law Σ_z μ_z D_z
        let d0 = try AcceptanceLaw(values: [0.95, 0.6], weights: [0.9, 0.1]),
            d1 = try AcceptanceLaw(values: [0.3, 0.6], weights: [0.7, 0.3])
        let mixture = try AcceptanceLaw(
            values: [0.95, 0.6, 0.3, 0.6], weights: [0.7 * 0.9, 0.7 * 0.1, 0.3 * 0.7, 0.3 * 0.3])
        let iid = try HiddenMarkovDifficultyModel(
            laws: [d0, d1], transition: [[0.7, 0.3], [0.7, 0.3]], initial: [0.7, 0.3],
            cost: cost, maxLength: 7)
        #expect(
            abs(
                try iid.optimum().timePerToken - IAPModel(law: mixture, cost: cost, maxLength: 7).optimum().timePerToken
            ) < 1e-9)
        // disjoint supports: each observation reveals Z_k, the observed-state drafter knows nothing more
        let e0 = try AcceptanceLaw(values: [0.95, 0.7], weights: [0.9, 0.1]),
            e1 = try AcceptanceLaw(values: [0.3, 0.5], weights: [0.7, 0.3])
        let p = [[0.8, 0.2], [0.4, 0.6]]
        let hid = try HiddenMarkovDifficultyModel(
            laws: [e0, e1], transition: p, initial: [0.6, 0.4], cost: cost, maxLength: 8)
        let obs = try MarkovDifficultyModel(
            laws: [e0, e1], transition: p, initial: [0.6, 0.4], cost: cost, maxLength: 8)
        #expect(abs(try hid.optimum().timePerToken - obs.optimum().timePerToken) < 1e-9)
    }

    @Test(
        "proven orderings: observed <= hidden <= best single threshold, best fixed K; hidden > IAP(mixture) can happen")
    func orderings() throws {
        let cost = try CostModel(draftTime: 0.15)
        var models = [try hiddenExample(maxLength: 8)]
        // identity-like transition, laws sharing the value 0.6 with weight eps: the hidden optimum sits above the
        // observed one; the gap at eps = 0.01 is computed to be below the gap at eps = 0.3 (not a proven monotonicity)
        var gaps: [Double] = []
        for eps in [0.3, 0.1, 0.01] {
            let laws = [
                try AcceptanceLaw(values: [0.95, 0.6], weights: [1 - eps, eps]),
                try AcceptanceLaw(values: [0.3, 0.6], weights: [1 - eps, eps])
            ]
            let p = [[0.98, 0.02], [0.02, 0.98]]
            let pair = (
                hidden: try HiddenMarkovDifficultyModel(
                    laws: laws, transition: p, initial: [0.6, 0.4], cost: cost, maxLength: 8),
                observed: try MarkovDifficultyModel(
                    laws: laws, transition: p, initial: [0.6, 0.4], cost: cost, maxLength: 8)
            )
            models.append(pair)
            gaps.append(try pair.hidden.optimum().timePerToken - pair.observed.optimum().timePerToken)
        }
        for (hidden, observed) in models {
            let report = try hidden.thresholdReport()
            let lambdaObserved = try observed.optimum().timePerToken
            #expect(lambdaObserved <= report.optimalTimePerToken + 1e-12)
            #expect(report.optimalTimePerToken <= report.bestSingleTimePerToken + 1e-12)
            #expect(report.optimalTimePerToken <= hidden.bestFixedLength().statistics.timePerToken + 1e-12)
            // fixed K by two routes: E[π_j] recursion versus brute-force paths with a history-blind policy
            let k = hidden.bestFixedLength()
            let brute = bruteForce(hidden) { $0.count < k.length }
            #expect(abs(brute.accepted - k.statistics.expectedAccepted) < 1e-12)
        }
        #expect(gaps.allSatisfy { $0 > 1e-9 })
        #expect(gaps[2] < gaps[0])
        // anti-correlated difficulty (switch w.p. 0.9): worse than i.i.d. draws from the stationary mixture
        let alt = [try AcceptanceLaw.constant(0.95), try AcceptanceLaw.constant(0.2)]
        let h = try HiddenMarkovDifficultyModel(
            laws: alt, transition: [[0.1, 0.9], [0.9, 0.1]], initial: [0.5, 0.5], cost: cost, maxLength: 8)
        let mix = try IAPModel(law: AcceptanceLaw(values: [0.95, 0.2], weights: [0.5, 0.5]), cost: cost, maxLength: 8)
            .optimum()
        #expect(try h.optimum().timePerToken > mix.timePerToken + 0.05)
    }

    @Test(
        "no single threshold is optimal in the example at K_max 8 (observed-state ≤ hidden optimum < best threshold); the best threshold class is exact"
    )
    func singleThresholdLoss() throws {
        let example = try hiddenExample(maxLength: 8)
        let m = example.hidden
        let report = try m.thresholdReport()
        #expect(!report.singleThresholdIsOptimal)
        #expect(report.singleThresholdLoss > 1e-6)
        #expect(abs(report.optimalTimePerToken - (try m.optimum().statistics.timePerToken)) < 1e-12)
        // information can only help: the observed-state optimum is at most the hidden-state one
        #expect(try example.observed.optimum().timePerToken <= report.optimalTimePerToken + 1e-12)
        // a fine grid cannot beat the exact best class
        for h in stride(from: 0.0, through: 1.0, by: 0.005) {
            #expect(
                try m.evaluate(m.thresholdPolicy(threshold: h)).timePerToken >= report.bestSingleTimePerToken - 1e-15)
        }
        // with K_max = 4 a single threshold happens to be optimal here
        #expect(try hiddenExample(maxLength: 4).hidden.thresholdReport().singleThresholdIsOptimal)
    }

    @Test(
        "simulator: time/token within 5 SE of the exact value (seed 2025, 40 000 rounds) for the optimum and the best threshold; N_draft identity exact"
    )
    func monteCarlo() throws {
        let m = try hiddenExample(maxLength: 8).hidden
        let report = try m.thresholdReport()
        let opt = try m.optimum()
        let cases: [(HiddenMarkovDifficultyModel.NodePolicy, Double)] = [
            (opt.policy, opt.statistics.timePerToken),
            (try m.thresholdPolicy(threshold: report.bestSingleThreshold), report.bestSingleTimePerToken)
        ]
        for (policy, exact) in cases {
            let r = try HiddenMarkovSimulator(model: m, policy: m.historyFunction(policy)).run(
                rounds: 40_000, seed: 2025)
            #expect(r.draftPasses == r.tokens - r.targetPasses + r.discards)
            let se = r.timePerTokenStandardError
            #expect(se > 0 && se < 0.01)
            #expect(abs(r.timePerToken - exact) <= 5 * se, "\(r.timePerToken) vs \(exact) ± \(se)")
        }
        // a history-blind policy: the threshold closure by counts equals the tree walk on every round
        let h = report.bestSingleThreshold
        let direct: @Sendable ([Int]) -> Bool = { $0.isEmpty || !(1 - m.product(ofHistory: $0) >= h) }
        let a = try HiddenMarkovSimulator(model: m, policy: direct).run(rounds: 5_000, seed: 9)
        let b = try HiddenMarkovSimulator(model: m, policy: m.historyFunction(m.thresholdPolicy(threshold: h))).run(
            rounds: 5_000, seed: 9)
        #expect(a.draftPasses == b.draftPasses && a.tokens == b.tokens && a.discards == b.discards)
        #expect(throws: CandidateLengthError.self) {
            try HiddenMarkovSimulator(model: m, policy: direct).run(rounds: 0, seed: 1)
        }
    }

    @Test("invalid hidden Markov models throw typed errors")
    func errors() throws {
        let law = try AcceptanceLaw.constant(0.5)
        let cost = try CostModel(draftTime: 0.1)
        typealias H = HiddenMarkovDifficultyModel
        #expect(throws: CandidateLengthError.self) {
            try H(laws: [], transition: [], initial: [], cost: cost, maxLength: 3)
        }
        #expect(throws: CandidateLengthError.self) {
            try H(laws: [law, law], transition: [[1, 0]], initial: [1, 0], cost: cost, maxLength: 3)
        }
        #expect(throws: CandidateLengthError.self) {
            try H(laws: [law, law], transition: [[1, 0], [0, 1]], initial: [1], cost: cost, maxLength: 3)
        }
        #expect(throws: CandidateLengthError.self) {
            try H(laws: [law, law], transition: [[0.6, 0.6], [0, 1]], initial: [1, 0], cost: cost, maxLength: 3)
        }
        #expect(throws: CandidateLengthError.self) {
            try H(laws: [law, law], transition: [[1.5, -0.5], [0, 1]], initial: [1, 0], cost: cost, maxLength: 3)
        }
        #expect(throws: CandidateLengthError.self) {
            try H(laws: [law], transition: [[1]], initial: [0.9], cost: cost, maxLength: 3)
        }
        #expect(throws: CandidateLengthError.self) {
            try H(laws: [law], transition: [[1]], initial: [1], cost: cost, maxLength: 0)
        }
        // 3^13 unmerged histories: refused before building them
        let big = try hiddenOverlapExample(maxLength: 2)
        #expect(throws: CandidateLengthError.stateSpaceTooLarge(states: 200_001, limit: 200_000)) {
            try H(laws: big.laws, transition: big.transition, initial: big.initial, cost: cost, maxLength: 13)
        }
        #expect(throws: CandidateLengthError.self) { try big.thresholdPolicy(threshold: .nan) }
        #expect(throws: CandidateLengthError.self) { try big.evaluate(.init(continues: [[true]])) }
    }
}
