import Foundation
import MultidraftTesting
import PropertyBased
import Testing
@testable import ImportanceSampling
import MultidraftSupport
import Distributions
import AcceptanceBounds

/// Property-based cross-checks on random small instances (V ≤ 6): weight LP vs transport LP vs brute-force subset
/// formula vs exact enumeration. LP-based comparisons at 1e-9 (truncated LP at s = V: 1e-8, the documented LP accuracy
/// of test-vectors.md); enumeration identities at 1e-12.
@Suite struct ImportancePropertyTests {
    /// Random (p, q₁, q₂); some instances have zero entries, some have q₁ = q₂ = p.
    static func instance(_ seed: Int, vocabulary v: Int) -> (p: Distribution, q1: Distribution, q2: Distribution) {
        var rng = Xoshiro256(seed: UInt64(seed))
        let concentration = [0.3, 0.7, 1, 3][seed % 4]
        let p = Distribution.dirichlet(
            v, concentration: concentration, zeroFraction: seed % 3 == 0 ? 0.25 : 0, using: &rng)
        let q1 =
            seed % 11 == 0
            ? p
            : Distribution.dirichlet(
                v, concentration: concentration, zeroFraction: seed % 5 == 0 ? 0.25 : 0, using: &rng)
        let q2 = Distribution.dirichlet(v, concentration: 1, zeroFraction: seed % 7 == 0 ? 0.25 : 0, using: &rng)
        return (p, q1, q2)
    }

    /// K = 2: weight LP (ordered and identical forms) = transport LP = brute-force subset formula, identical and
    /// non-identical drafts; the optimal scheme's membership equals its coin acceptance.
    @Test func weightLPEqualsTransportLP() async {
        await seededPropertyCheck(count: 40, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...6)) { seed, v in
            let (p, q1, q2) = Self.instance(seed, vocabulary: v)
            // Identical drafts.
            let transportIID = try! optimalAcceptance(target: p, law: try! DraftLaw.iid(q1, drafts: 2), method: .lp)
                .alpha
            let identical = try! PairWeightLP.solveIdentical(target: p, draft: q1)
            let ordered = try! PairWeightLP.solve(target: p, first: q1, second: q1)
            let scan = try! IdenticalDrafts.optimalAcceptance(target: p, draft: q1, drafts: 2).alpha
            #expect(abs(identical.value - transportIID) < 1e-9, "identical LP \(identical.value) vs OT \(transportIID)")
            #expect(abs(ordered.value - transportIID) < 1e-9, "ordered LP \(ordered.value) vs OT \(transportIID)")
            #expect(abs(scan - transportIID) < 1e-9)
            // Non-identical drafts.
            let law = try! DraftLaw.independent([q1, q2])
            let transport = try! optimalAcceptance(target: p, law: law, method: .lp).alpha
            let brute = try! SubsetBound.bruteForce(target: p, law: law).alpha
            let weightLP = try! PairWeightLP.solve(target: p, first: q1, second: q2)
            #expect(abs(weightLP.value - transport) < 1e-9, "weight LP \(weightLP.value) vs OT \(transport)")
            #expect(abs(weightLP.lpObjective - transport) < 1e-9)
            #expect(abs(brute - transport) < 1e-9)
            let scheme = try! TwoStepScheme.optimal(target: p, drafts: [q1, q2])
            let exact = try! scheme.exact()
            #expect(abs(exact.membershipAcceptance - transport) < 1e-9, "membership at optimal weights")
            #expect(maxDeviation(exact.outputLaw, p.probabilities) < 1e-12)
        }
    }

    /// Truncated LP: every s is ≤ alpha*, s = V equals alpha*; each truncated scheme is lossless, its closed-form p_I
    /// equals the generic pair formula and the enumerated selection law, and coin ≤ membership ≤ alpha*.
    @Test func truncationNeverExceedsTheOptimum() async {
        await seededPropertyCheck(count: 40, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...6)) { seed, v in
            let (p, q1, q2) = Self.instance(seed, vocabulary: v)
            for (first, second) in [(q1, q1), (q1, q2)] {
                let optimum = try! SubsetBound.bruteForce(target: p, law: try! DraftLaw.independent([first, second]))
                    .alpha
                for s in 1...v {
                    let solution = try! TruncatedWeightLP.solve(target: p, first: first, second: second, truncate: s)
                    #expect(solution.value <= optimum + 1e-9, "s=\(s) value \(solution.value) above optimum \(optimum)")
                    if s == v { #expect(abs(solution.value - optimum) < 1e-8, "s=V \(solution.value) vs \(optimum)") }
                    let generic = solution.weights.pairIntermediate(first: first, second: second)
                    #expect(maxDeviation(generic, solution.intermediate) < 1e-14)
                    let scheme = try! TwoStepScheme(target: p, drafts: [first, second], rule: solution.weights)
                    let exact = try! scheme.exact()
                    #expect(maxDeviation(exact.outputLaw, p.probabilities) < 1e-12, "s=\(s) not lossless")
                    #expect(maxDeviation(exact.selectionLaw, solution.intermediate) < 1e-14)
                    #expect(exact.membershipAcceptance >= scheme.coinAcceptance - 1e-12)
                    #expect(exact.membershipAcceptance <= optimum + 1e-9)
                }
            }
        }
    }

    /// SIR and random user weights (K = 2), explicit random tuple weights and tuple SIR (K = 3): lossless by exact
    /// enumeration; the library's membership equals the independently written §7.1 formula (K = 2).
    @Test func anyWeightsAreLossless() async {
        await seededPropertyCheck(count: 40, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...6)) { seed, v in
            let (p, q1, q2) = Self.instance(seed, vocabulary: v)
            var rng = Xoshiro256(seed: UInt64(seed), stream: 9)
            let random = try! PairWeights(vocabularySize: v, table: (0..<(v * v)).map { _ in rng.nextUniform() })
            let optimum = try! SubsetBound.bruteForce(target: p, law: try! DraftLaw.independent([q1, q2])).alpha
            let rules: [(String, any PairSelectionRule)] = [
                ("sir", try! PairWeights.sir(target: p, first: q1, second: q2)), ("random", random),
                ("uniform", PairWeights.uniform(v)),
                ("priority", try! RankedPairWeights.priority(order: Array((0..<v).reversed())))
            ]
            for (name, rule) in rules {
                let scheme = try! TwoStepScheme(target: p, drafts: [q1, q2], rule: rule)
                let exact = try! scheme.exact()
                #expect(maxDeviation(exact.outputLaw, p.probabilities) < 1e-12, "\(name) not lossless")
                #expect(maxDeviation(exact.selectionLaw, scheme.intermediate) < 1e-14, "\(name) p_I")
                let formula = pairMembershipFormula(
                    p: p.probabilities, q1: q1.probabilities, q2: q2.probabilities, rule: rule)
                #expect(abs(exact.membershipAcceptance - formula) < 1e-12, "\(name) membership")
                #expect(scheme.coinAcceptance <= exact.membershipAcceptance + 1e-12)
                #expect(exact.membershipAcceptance <= optimum + 1e-12, "\(name) above the optimum")
            }
            guard v <= 5 else { return }
            let q3 = Distribution.dirichlet(v, concentration: 0.8, using: &rng)
            let drafts3 = [q1, q2, q3]
            let optimum3 = try! SubsetBound.bruteForce(target: p, law: try! DraftLaw.independent(drafts3)).alpha
            let tupleRandom = try! TupleWeights(vocabularySize: v, drafts: 3) { _ in
                let w = (0..<3).map { _ in rng.nextUniform() + 0.01 }
                let total = w.reduce(0, +)
                return w.map { $0 / total }
            }
            for (name, rule) in [
                ("tuple-sir", try! TupleWeights.sir(target: p, drafts: drafts3)), ("tuple-random", tupleRandom)
            ] {
                let scheme = try! TwoStepScheme(target: p, drafts: drafts3, rule: rule)
                let exact = try! scheme.exact()
                #expect(maxDeviation(exact.outputLaw, p.probabilities) < 1e-12, "\(name) not lossless")
                #expect(exact.membershipAcceptance <= optimum3 + 1e-12)
                #expect(scheme.coinAcceptance <= exact.membershipAcceptance + 1e-12)
            }
        }
    }

    /// Tournament (K = 3, 4; non-identical drafts): lossless for SIR, truncated and full-LP stages; the stagewise
    /// p_I equals the enumerated selection law; coin ≤ membership ≤ alpha* (brute-force subset formula).
    @Test func tournamentIsLossless() async {
        await seededPropertyCheck(count: 40, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...6)) { seed, v in
            let (p, q1, q2) = Self.instance(seed, vocabulary: v)
            let k = v <= 4 ? 4 : 3
            let drafts = (0..<k).map { [q1, q2, p][$0 % 3] }
            let optimum = try! SubsetBound.bruteForce(target: p, law: try! DraftLaw.independent(drafts)).alpha
            for method in [TournamentSelection.StageMethod.sir, .truncatedLP(1), .truncatedLP(2), .weightLP] {
                let scheme = try! TwoStepScheme.tournament(target: p, drafts: drafts, method: method)
                let exact = try! scheme.exact()
                #expect(maxDeviation(exact.outputLaw, p.probabilities) < 1e-12, "\(method) not lossless")
                #expect(maxDeviation(exact.selectionLaw, scheme.intermediate) < 1e-13, "\(method) stagewise p_I")
                #expect(scheme.coinAcceptance <= exact.membershipAcceptance + 1e-12)
                #expect(exact.membershipAcceptance <= optimum + 1e-9, "\(method) above the optimum")
            }
        }
    }

    /// Identical drafts: prefix scan = brute force for K = 1…4; the acceptance-1 test agrees with alpha* = 1 and its
    /// violating set really violates.
    @Test func identicalDraftClosedForms() async {
        await seededPropertyCheck(count: 40, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...6)) { seed, v in
            let (p, q, _) = Self.instance(seed, vocabulary: v)
            for k in 1...4 {
                let scan = try! IdenticalDrafts.optimalAcceptance(target: p, draft: q, drafts: k)
                let brute = try! SubsetBound.bruteForce(target: p, law: try! DraftLaw.iid(q, drafts: k)).alpha
                #expect(abs(scan.alpha - brute) < 1e-12)
                let value = p.mass(of: scan.minimizer) + 1 - pow(q.mass(of: scan.minimizer), Double(k))
                #expect(abs(min(1, value) - scan.alpha) < 1e-12, "minimiser does not attain alpha*")
                let check = try! IdenticalDrafts.acceptanceOne(target: p, draft: q, drafts: k)
                #expect(check.holds == (brute >= 1 - 1e-12))
                if let s = check.violatingSet { #expect(p.mass(of: s) < pow(q.mass(of: s), Double(k))) }
            }
        }
    }

    /// Edge cases: p = q gives 1 at optimal weights; disjoint supports give 0 and stay lossless.
    @Test func edgeCases() throws {
        let p = try Distribution([0.5, 0.5, 0, 0]), q = try Distribution([0, 0, 0.3, 0.7])
        for drafts in [[q, q], [q, q, q]] {
            let scheme = try TwoStepScheme.optimal(target: p, drafts: drafts)
            let exact = try scheme.exact()
            #expect(exact.membershipAcceptance == 0)
            #expect(maxDeviation(exact.outputLaw, p.probabilities) < 1e-15)
        }
        let same = try TwoStepScheme.optimal(target: p, drafts: [p, p])
        #expect(abs(same.coinAcceptance - 1) < 1e-12)
    }

    /// Bad input gives typed errors with one-line descriptions.
    @Test func badInputIsRefused() throws {
        let p = try Distribution([0.5, 0.5]), q3 = Distribution.uniform(3)
        #expect(throws: VocabularyMismatch(what: "draft 1", expected: 2, found: 3)) {
            try PairWeightLP.solve(target: p, first: q3, second: q3)
        }
        #expect(throws: ImportanceSamplingError.invalidTruncation(s: 3, vocabularySize: 2)) {
            try TruncatedWeightLP.solve(target: p, first: p, second: p, truncate: 3)
        }
        #expect(throws: ImportanceSamplingError.self) { try PairWeights(rows: [[0, 1.5], [0.2, 0]]) }
        #expect(throws: ImportanceSamplingError.self) {
            try TwoStepScheme(target: p, drafts: [p, p, p], rule: PairWeights.uniform(2))
        }
        #expect(throws: ImportanceSamplingError.self) {
            try TwoStepScheme.tournament(target: p, drafts: [p], method: .sir)
        }
        #expect(throws: ImportanceSamplingError.self) {
            try TupleWeights(vocabularySize: 2, drafts: 2) { _ in [0.5, 0.6] }
        }
        #expect(throws: ImportanceSamplingError.self) {
            try TupleWeights(vocabularySize: 100, drafts: 4) { _ in [1, 0, 0, 0] }
        }
        let error = ImportanceSamplingError.invalidTruncation(s: 0, vocabularySize: 5)
        #expect(!error.description.contains("\n") && error.description.contains("truncation"))
    }
}
