import Foundation
import MultidraftTesting
import PropertyBased
import Testing
@testable import Distributions
import MultidraftSupport

@Suite struct DraftLawTests {
    @Test func constructionErrors() throws {
        let q = try Distribution([0.5, 0.5, 0])
        #expect(throws: DraftLawError.invalidDraftCount(0)) { try DraftLaw.iid(q, drafts: 0) }
        #expect(throws: DraftLawError.tooManyDrafts(law: "without-replacement", drafts: 3, support: 2)) {
            try DraftLaw.withoutReplacement(q, drafts: 3)
        }
        #expect(throws: DraftLawError.tooManyDrafts(law: "greedy", drafts: 3, support: 2)) {
            try DraftLaw.greedy(q, drafts: 3)
        }
        #expect(throws: DraftLawError.specHubNeedsTwoDrafts(3)) { try DraftLaw.named("spechub", drafts: [q], count: 3) }
        #expect(throws: DraftLawError.unknownLaw("nope")) { try DraftLaw.named("nope", drafts: [q], count: 2) }
        #expect(throws: VocabularyMismatch(what: "draft distribution 2", expected: 3, found: 2)) {
            try DraftLaw.independent([q, try Distribution([0.5, 0.5])])
        }
        #expect(throws: DraftLawError.self) {
            try ExplicitDraftLaw(vocabularySize: 2, tuples: [[0, 5]], probabilities: [1])
        }
        #expect(throws: DraftLawError.self) {
            try ExplicitDraftLaw(vocabularySize: 2, tuples: [[0, 1]], probabilities: [0.5])
        }
        // iid with n larger than the support is a valid law (duplicates).
        #expect(try DraftLaw.iid(q, drafts: 5).drafts == 5)
    }

    /// The set law of every law equals the aggregation of its tuple law, and sums to 1.
    @Test func setLawMatchesTupleOracle() async {
        await seededPropertyCheck(count: 60, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...5), Gen.int(in: 1...3))
        { seed, v, n in
            var rng = Xoshiro256(seed: UInt64(seed))
            let q = Distribution.dirichlet(v, concentration: 0.7, zeroFraction: 0.15, using: &rng)
            let q2 = Distribution.dirichlet(v, concentration: 0.7, using: &rng)
            for law in TupleOracle.laws(q, q2, drafts: n) {
                let oracle = TupleOracle.setLaw(law)
                let sets = law.setLaw()
                #expect(abs(sets.reduce(0) { $0 + $1.mass } - 1) < 1e-12, "\(law.name)")
                #expect(sets.count == oracle.count, "\(law.name)")
                for s in sets { #expect(abs(s.mass - (oracle[s.tokens] ?? -1)) < 1e-13, "\(law.name) \(s.tokens)") }
                #expect(Double(sets.count) <= law.estimatedSetCount + 1e-9)
            }
        }
    }

    /// Q(H) from each law's formula equals the tuple oracle on every subset.
    @Test func subsetMassMatchesTupleOracle() async {
        await seededPropertyCheck(count: 40, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...5), Gen.int(in: 1...3))
        { seed, v, n in
            var rng = Xoshiro256(seed: UInt64(seed))
            let q = Distribution.dirichlet(v, concentration: 0.7, zeroFraction: 0.1, using: &rng)
            let q2 = Distribution.dirichlet(v, concentration: 0.7, using: &rng)
            for law in TupleOracle.laws(q, q2, drafts: n) {
                for mask in 0..<(1 << v) {
                    let m = (0..<v).map { mask & (1 << $0) != 0 }
                    #expect(abs(law.subsetMass(ofMask: m) - TupleOracle.subsetMass(law, m)) < 1e-12, "\(law.name) \(m)")
                }
            }
        }
    }

    /// Without replacement, n = 2: Q(H) = Σ_{i∈H} q_i (q(H) − q_i)/(1 − q_i), with complements summed.
    @Test func withoutReplacementTwoDraftFormula() throws {
        var rng = Xoshiro256(seed: 11)
        let q = Distribution.dirichlet(40, concentration: 0.3, using: &rng)
        let law = try DraftLaw.withoutReplacement(q, drafts: 2)
        for trial in 0..<20 {
            let mask = (0..<40).map { _ in rng.nextUniform() < 0.5 }
            let h = (0..<40).filter { mask[$0] }
            var exact = 0.0
            for i in h {
                let others = q.remainingMass(excluding: [i])
                let insideOthers = h.filter { $0 != i }.reduce(0.0) { $0 + q[$1] }
                exact += q[i] * insideOthers / others
            }
            #expect(abs(law.subsetMass(ofMask: mask) - exact) < 1e-12, "trial \(trial)")
        }
    }

    /// The low-temperature vector LT: the second and third drafts come from the 3e-20 remainder.
    @Test func lowTemperatureWithoutReplacement() throws {
        let q = try Distribution([1.0, 1e-20, 1e-20, 1e-20])
        let two = try DraftLaw.withoutReplacement(q, drafts: 2)
        // Q({0,1}) = P(x1 = 0) P(x2 = 1 | x1 = 0) + P(x1 = 1)·1 ≈ 1/3
        #expect(abs(two.subsetMass(of: [0, 1]) - 1.0 / 3) < 1e-12)
        #expect(abs(two.subsetMass(of: [0, 1, 2]) - 2.0 / 3) < 1e-12)
        let sets = two.setLaw()
        #expect(sets.count == 6)
        #expect(abs(sets.first { $0.tokens == [0, 2] }!.mass - 1.0 / 3) < 1e-12)
        let greedy = try DraftLaw.greedy(q, drafts: 2)
        #expect(abs(greedy.subsetMass(of: [0, 3]) - 1.0 / 3) < 1e-15)
    }
}
