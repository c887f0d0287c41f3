import Foundation
import Testing
@testable import AcceptanceBounds
import Distributions

/// <doc:Theory#Test-vectors>, §2.1, §6: optimal acceptance of each law, by every method that applies.
/// Tolerances: closed forms and prefix scans 1e-12; exponential race 1e-10; LP 1e-8.
@Suite struct TestVectorTests {
    struct Vector: Sendable, CustomStringConvertible {
        let name: String
        let p: [Double], q: [Double]
        /// alpha* for n = 1, 2, 3 (nil: the law refuses that n; NaN: not tabulated).
        let iid: [Double?], wor: [Double?], greedy: [Double?]
        var description: String { name }
    }

    static let vectors: [Vector] = [
        Vector(
            name: "toy3", p: [0.3, 0.4, 0.3], q: [0.6, 0.3, 0.1],
            iid: [0.7, 0.89, 0.971], wor: [0.7, 139.0 / 140, 1], greedy: [0.7, 0.95, 1]),
        Vector(
            name: "toy4", p: [0.1, 0.2, 0.3, 0.4], q: [0.4, 0.3, 0.2, 0.1],
            iid: [0.6, 0.79, 0.871], wor: [0.6, 701.0 / 840, 1], greedy: [0.6, 23.0 / 30, 14.0 / 15]),
        Vector(
            name: "toy5", p: [0.05, 0.05, 0.5, 0.2, 0.2], q: [0.5, 0.2, 0.1, 0.1, 0.1],
            iid: [0.4, 0.61, 0.757], wor: [0.4, 269.0 / 360, 2393.0 / 2520], greedy: [0.4, 0.7, 5.0 / 6]),
        Vector(
            name: "VA", p: [0.5, 0.3, 0.2], q: [0.2, 0.3, 0.5],
            iid: [0.7, 0.86, 0.988], wor: [0.7, 0.985714285714286, 1], greedy: [0.7, 0.9, 1]),
        Vector(
            name: "VB", p: [1, 0], q: [0.5, 0.5], iid: [0.5, 0.75, 0.875], wor: [0.5, 1, nil], greedy: [0.5, 1, nil]),
        Vector(name: "VC", p: [0.6, 0.4], q: [0.6, 0.4], iid: [1, 1, 1], wor: [1, 1, nil], greedy: [1, 1, nil]),
        Vector(
            name: "VE", p: [0.05, 0.05, 0.6, 0.3], q: [0.7, 0.1, 0.1, 0.1],
            iid: [0.3, 0.46, 0.588], wor: [0.3, 0.755555555555556, 1], greedy: [0.3, 0.733333333333333, 0.9]),
        Vector(
            name: "LT", p: [0.1, 0.5, 0.3, 0.1], q: [1.0, 1e-20, 1e-20, 1e-20],
            iid: [0.1, 0.1, 0.1], wor: [0.1, 5.0 / 6, 1], greedy: [0.1, 5.0 / 6, 1]),
        Vector(
            name: "6.2", p: [0.05, 0.05, 0.9], q: [0.3, 0.3, 0.4],
            iid: [0.5, 0.74, .nan], wor: [0.5, 59.0 / 70, .nan], greedy: [0.5, 1, .nan])
    ]

    @Test(arguments: vectors)
    func everyMethodReproducesTheTable(_ v: Vector) throws {
        let p = try Distribution(v.p), q = try Distribution(v.q)
        for n in 1...3 {
            let cases: [(String, Double?, () throws -> DraftLaw, Double)] = [
                ("iid", v.iid[n - 1], { try DraftLaw.iid(q, drafts: n) }, 1e-12),
                ("wor", v.wor[n - 1], { try DraftLaw.withoutReplacement(q, drafts: n) }, 1e-10),
                ("greedy", v.greedy[n - 1], { try DraftLaw.greedy(q, drafts: n) }, 1e-12)
            ]
            for (name, expected, make, tolerance) in cases {
                guard let expected else {
                    #expect(throws: DraftLawError.self, "\(v.name) \(name) n=\(n)") { try make() }
                    continue
                }
                if expected.isNaN { continue }
                let law = try make()
                let dual = try optimalAcceptance(target: p, law: law, method: .dual)
                let lp = try optimalAcceptance(target: p, law: law, method: .lp, exact: true)
                let brute = try optimalAcceptance(target: p, law: law, method: .bruteForce)
                #expect(abs(dual.alpha - expected) < tolerance, "\(v.name) \(name) n=\(n) dual \(dual.alpha)")
                #expect(abs(lp.alpha - expected) < 1e-8, "\(v.name) \(name) n=\(n) lp \(lp.alpha)")
                #expect(lp.exactConfirmed, "\(v.name) \(name) n=\(n)")
                #expect(abs(brute.alpha - expected) < 1e-10, "\(v.name) \(name) n=\(n) brute \(brute.alpha)")
                for bound in [dual, lp, brute] {
                    #expect(
                        abs(bound.certificateValue - expected) < 1e-8,
                        "\(v.name) \(name) n=\(n) certificate \(bound.method)")
                }
            }
        }
    }

    @Test func spechubEqualsGreedyWithTwoDrafts() throws {
        for v in Self.vectors where v.greedy[1] != nil {
            let p = try Distribution(v.p), q = try Distribution(v.q)
            let hub = try DraftLaw.specHub(q)
            let lp = try optimalAcceptance(target: p, law: hub, method: .lp)
            let dual = try optimalAcceptance(target: p, law: hub, method: .dual)
            #expect(abs(dual.alpha - v.greedy[1]!) < 1e-12, "\(v.name)")
            #expect(abs(lp.alpha - v.greedy[1]!) < 1e-8, "\(v.name)")
        }
    }

    /// test-vectors §6.1: the prefix search over-estimates greedy alpha*, the closed form and the LP do not.
    @Test func greedyCounterexampleToThePrefixTheorem() throws {
        let p = try Distribution([0.095, 0.006, 0.742, 0.052, 0.105])
        let q = try Distribution([0.214, 0.218, 0.337, 0.024, 0.207])
        let law = try DraftLaw.greedy(q, drafts: 2)
        let closed = try optimalAcceptance(target: p, law: law, method: .dual)
        let lp = try optimalAcceptance(target: p, law: law, method: .lp)
        #expect(abs(closed.alpha - 0.984199095023) < 1e-12)
        #expect(abs(lp.alpha - 0.984199095023) < 1e-8)
        #expect(abs(SubsetBound.prefixSearch(target: p, law: law).alpha - 1) < 1e-12)
    }

    /// Independent drafts have no exact sort order: `.dual` refuses, `.auto` uses the LP.
    @Test func dualRefusesIndependentDrafts() throws {
        let p = try Distribution([0.5, 0.3, 0.2])
        let law = try DraftLaw.independent([try Distribution([0.2, 0.3, 0.5]), try Distribution([0.6, 0.2, 0.2])])
        #expect(throws: AcceptanceError.methodNotExact(method: "dual", law: "independent")) {
            try optimalAcceptance(target: p, law: law, method: .dual)
        }
        let auto = try optimalAcceptance(target: p, law: law, method: .auto)
        let brute = try optimalAcceptance(target: p, law: law, method: .bruteForce)
        #expect(auto.method == .sfm && abs(auto.alpha - brute.alpha) < 1e-9) // auto: submodular minimisation first
    }

    @Test func oversizeLPIsRefusedBeforeAllocation() throws {
        let p = Distribution.uniform(400), q = Distribution.uniform(400)
        let law = try DraftLaw.iid(q, drafts: 5)
        #expect {
            try optimalAcceptance(target: p, law: law, method: .lp)
        } throws: { error in
            guard case AcceptanceError.tooLarge(.lpVariables, let sets, _, let limit) = error else { return false }
            return sets > 8e10 && limit == Limits.standard.lpVariables
                && (error as! AcceptanceError).suggestedParameters == [.maxPlanVariables]
                && (error as! AcceptanceError).description.contains("LP too large")
        }
        #expect(throws: VocabularyMismatch(what: "the draft law", expected: 3, found: 400)) {
            try optimalAcceptance(target: try Distribution([0.5, 0.3, 0.2]), law: law)
        }
        #expect(throws: AcceptanceError.bruteForceTooLarge(vocabularySize: 400, limit: 20)) {
            try optimalAcceptance(target: p, law: law, method: .bruteForce)
        }
    }

    @Test func acceptanceOneCheckReturnsAViolatingSet() throws {
        // Khisti KF: acceptance 1 with p ≠ q at two drafts; KE: not at two drafts (violating set {0}: p = 0.6 < 0.49? no, q(S)² = 0.09…)
        let kf = try optimalAcceptance(
            target: try Distribution([1.0 / 3, 1.0 / 3, 1.0 / 3]),
            law: try DraftLaw.iid(try Distribution([0.5, 0.3, 0.2]), drafts: 2))
        #expect(kf.acceptanceOneCheck().isOne)
        let p = try Distribution([0.6, 0.4]), q = try Distribution([0.3, 0.7])
        let ke = try optimalAcceptance(target: p, law: try DraftLaw.iid(q, drafts: 2))
        let check = ke.acceptanceOneCheck()
        #expect(!check.isOne && abs(ke.alpha - 0.91) < 1e-12)
        let h = try #require(check.violatingSet)
        #expect(p.mass(of: h) < pow(q.mass(of: h), 2))
    }
}
