import Foundation
import MultidraftTesting
import PropertyBased
import Testing
@testable import AcceptanceBounds
import MultidraftSupport
import Distributions

/// Property-based checks over random (p, q, n), small V: every method agrees, and the proven facts hold.
@Suite struct AcceptancePropertyTests {
    static func instance(_ seed: Int, vocabulary v: Int) -> (Distribution, Distribution, Distribution) {
        var rng = Xoshiro256(seed: UInt64(seed))
        let concentration = [0.2, 0.5, 1, 3][seed % 4]
        let p = Distribution.dirichlet(
            v, concentration: concentration, zeroFraction: seed % 3 == 0 ? 0.2 : 0, using: &rng)
        let q = Distribution.dirichlet(
            v, concentration: concentration, zeroFraction: seed % 5 == 0 ? 0.2 : 0, using: &rng)
        let q2 = Distribution.dirichlet(v, concentration: 1, using: &rng)
        return (p, q, q2)
    }

    static func laws(_ q: Distribution, _ q2: Distribution, _ n: Int) -> [DraftLaw] {
        var laws: [DraftLaw] = []
        if let l = try? DraftLaw.iid(q, drafts: n) { laws.append(l) }
        if let l = try? DraftLaw.withoutReplacement(q, drafts: n) { laws.append(l) }
        if let l = try? DraftLaw.greedy(q, drafts: n) { laws.append(l) }
        if n == 2, let l = try? DraftLaw.specHub(q) { laws.append(l) }
        if let l = try? DraftLaw.independent((0..<n).map { $0 % 2 == 0 ? q : q2 }) { laws.append(l) }
        return laws
    }

    /// LP = brute force over all subsets (1e-9); dual = brute force where exact; certificates reproduce alpha*.
    @Test func lpDualAndBruteForceAgree() async {
        await seededPropertyCheck(count: 60, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...8), Gen.int(in: 1...3))
        { seed, v, n in
            let (p, q, q2) = Self.instance(seed, vocabulary: v)
            for law in Self.laws(q, q2, n) {
                let brute = try! optimalAcceptance(target: p, law: law, method: .bruteForce)
                let lp = try! optimalAcceptance(target: p, law: law, method: .lp)
                let auto = try! optimalAcceptance(target: p, law: law, method: .auto)
                #expect(abs(lp.alpha - brute.alpha) < 1e-9, "\(law.name) lp \(lp.alpha) brute \(brute.alpha)")
                #expect(abs(auto.alpha - brute.alpha) < 1e-9, "\(law.name) auto")
                #expect(abs(lp.certificateValue - lp.alpha) < 1e-9, "\(law.name) LP certificate")
                #expect(abs(auto.certificateValue - auto.alpha) < 1e-9, "\(law.name) auto certificate")
                #expect(abs(brute.certificateValue - brute.alpha) < 1e-12, "\(law.name) brute certificate")
                #expect(lp.alpha >= -1e-12 && lp.alpha <= 1 + 1e-12)
                // Any prefix of the ratio order is an upper bound (never below alpha*).
                #expect(SubsetBound.prefixSearch(target: p, law: law).alpha >= brute.alpha - 1e-12)
            }
        }
    }

    /// n = 1: every law gives Σ min(p, q); alpha* ≥ Σ min(p, q) for every n; iid ≤ without replacement; the
    /// marginal bound; monotone in n for iid, without replacement and greedy.
    @Test func provenInequalities() async {
        await seededPropertyCheck(count: 80, input: Gen.int(in: 0...1_000_000), Gen.int(in: 2...9)) { seed, v in
            let (p, q, _) = Self.instance(seed, vocabulary: v)
            let overlap = p.overlap(with: q)
            var previous: [String: Double] = [:]
            for n in 1...4 {
                for law in Self.laws(q, q, n) where law.name != "independent" && law.name != "spechub" {
                    let a = try! optimalAcceptance(target: p, law: law, method: .dual).alpha
                    if n == 1 { #expect(abs(a - overlap) < 1e-12, "\(law.name) n=1") }
                    #expect(a >= overlap - 1e-12, "\(law.name) n=\(n) below single-draft")
                    if let before = previous[law.name] {
                        #expect(a >= before - 1e-12, "\(law.name) not monotone at n=\(n)")
                    }
                    previous[law.name] = a
                }
                let iid = try! optimalAcceptance(target: p, law: try! DraftLaw.iid(q, drafts: n)).alpha
                let marginal = (0..<v).reduce(0.0) { $0 + min(p[$1], 1 - pow(1 - q[$1], Double(n))) }
                #expect(iid <= marginal + 1e-12, "marginal bound n=\(n)")
                if let wor = try? DraftLaw.withoutReplacement(q, drafts: n) {
                    #expect(try! optimalAcceptance(target: p, law: wor).alpha >= iid - 1e-10, "wor < iid at n=\(n)")
                }
            }
            // p = q gives 1 for iid, without replacement and greedy.
            for n in 1...3 {
                for law in Self.laws(p, p, n) where law.name != "independent" {
                    #expect(abs(try! optimalAcceptance(target: p, law: law).alpha - 1) < 1e-12, "\(law.name) p=q")
                }
            }
        }
    }

    /// GLPK's exact rational re-solve agrees with the floating-point optimum.
    @Test func exactResolveAgrees() async {
        await seededPropertyCheck(count: 15, input: Gen.int(in: 0...1_000_000), Gen.int(in: 3...7)) { seed, v in
            let (p, q, q2) = Self.instance(seed, vocabulary: v)
            for law in Self.laws(q, q2, 2) {
                let floating = try! optimalAcceptance(target: p, law: law, method: .lp)
                let exact = try! optimalAcceptance(target: p, law: law, method: .lp, exact: true)
                #expect(exact.exactConfirmed)
                #expect(abs(exact.alpha - floating.alpha) < 1e-9)
            }
        }
    }
}

/// An explicit joint law listing the tuples of a named law has the same alpha* by LP and brute force.
@Suite struct ExplicitLawTests {
    @Test func explicitCopyOfIIDHasTheSameOptimum() throws {
        let p = try Distribution([0.3, 0.4, 0.3]), q = try Distribution([0.6, 0.3, 0.1])
        var tuples: [[Int]] = [], probabilities: [Double] = []
        for a in 0..<3 { for b in 0..<3 { tuples.append([a, b]); probabilities.append(q[a] * q[b]) } }
        let explicit = DraftLaw.explicit(
            try ExplicitDraftLaw(vocabularySize: 3, tuples: tuples, probabilities: probabilities))
        let lp = try optimalAcceptance(target: p, law: explicit) // auto → the flow for explicit laws
        let brute = try optimalAcceptance(target: p, law: explicit, method: .bruteForce)
        #expect(lp.method == .flow)
        #expect(abs(lp.alpha - 0.89) < 1e-9 && abs(brute.alpha - 0.89) < 1e-12)
        #expect(throws: AcceptanceError.methodNotExact(method: "dual", law: "explicit")) {
            try optimalAcceptance(target: p, law: explicit, method: .dual)
        }
    }
}

/// Regression: GLPK's simplex leaves a token of mass ~1e-8 unused (below its feasibility tolerance); the plan's
/// augmenting-path top-up restores it, so the LP value equals the dual value to 1e-12, not just 1e-7.
@Suite struct TinyMassTests {
    @Test func lpRecoversMassBelowTheSolverTolerance() throws {
        let p = try Distribution([0.4, 0.3, 0.2, 0.1 - 3e-8, 3e-8])
        let q = try Distribution([0.1, 0.2, 0.3, 0.4 - 5e-8, 5e-8])
        for n in 1...3 {
            for law in [
                try DraftLaw.iid(p, drafts: n), try DraftLaw.iid(q, drafts: n),
                try DraftLaw.withoutReplacement(q, drafts: n)
            ] {
                let lp = try optimalAcceptance(target: p, law: law, method: .lp)
                let brute = try optimalAcceptance(target: p, law: law, method: .bruteForce)
                #expect(abs(lp.alpha - brute.alpha) < 1e-12, "\(law.name) n=\(n): \(lp.alpha) vs \(brute.alpha)")
            }
        }
    }
}
