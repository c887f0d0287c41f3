import Distributions
@testable import Verifiers

/// Shared test instances: the verifier vectors VA–VE and toy3–5 of test-vectors.md, and random instances.
enum Fixtures {
    static func d(_ v: [Double]) -> Distribution { try! Distribution(v) }

    static let va = (p: d([0.5, 0.3, 0.2]), q: d([0.2, 0.3, 0.5]))
    static let vb = (p: d([1, 0]), q: d([0.5, 0.5]))
    static let vc = (p: d([0.6, 0.4]), q: d([0.6, 0.4]))
    static let vd = (p: d([0.1, 0.2, 0.3, 0.4]), q: d([0.4, 0.3, 0.2, 0.1]))
    static let ve = (p: d([0.05, 0.05, 0.6, 0.3]), q: d([0.7, 0.1, 0.1, 0.1]))
    static let toy3 = (p: d([0.3, 0.4, 0.3]), q: d([0.6, 0.3, 0.1]))
    static let toy5 = (p: d([0.05, 0.05, 0.5, 0.2, 0.2]), q: d([0.5, 0.2, 0.1, 0.1, 0.1]))

    /// A random instance over V tokens. Some seeds give p = q, disjoint supports, or zero entries.
    static func instance(_ seed: Int, vocabulary v: Int) -> (p: Distribution, q: Distribution, q2: Distribution) {
        var rng = Xoshiro256(seed: UInt64(seed))
        let concentration = [0.3, 0.7, 1, 3][seed % 4]
        let p = Distribution.dirichlet(v, concentration: concentration, zeroFraction: seed % 3 == 0 ? 0.25 : 0, using: &rng)
        var q = Distribution.dirichlet(v, concentration: concentration, zeroFraction: seed % 5 == 0 ? 0.25 : 0, using: &rng)
        let q2 = Distribution.dirichlet(v, concentration: 1, using: &rng)
        if seed % 7 == 0 { q = p }
        if seed % 11 == 0, p.supportSize < v {
            // Disjoint supports: q lives where p is 0.
            let weights = (0..<v).map { p[$0] == 0 ? 1.0 + Double($0) : 0 }
            q = try! Distribution(normalizing: weights)
        }
        return (p, q, q2)
    }

    /// Every (verifier name, law) pair the registry accepts on (q, q2, n), optimal excluded when `optimal` is false.
    static func verifiers(_ p: Distribution, _ q: Distribution, _ q2: Distribution, drafts n: Int,
                          optimal: Bool = true) -> [any Verifier] {
        var laws: [DraftLaw] = []
        if let l = try? DraftLaw.iid(q, drafts: n) { laws.append(l) }
        if let l = try? DraftLaw.withoutReplacement(q, drafts: n) { laws.append(l) }
        if let l = try? DraftLaw.greedy(q, drafts: n) { laws.append(l) }
        if n == 2, let l = try? DraftLaw.specHub(q) { laws.append(l) }
        if let l = try? DraftLaw.independent((0..<n).map { $0 % 2 == 0 ? q : q2 }) { laws.append(l) }
        var out: [any Verifier] = []
        for entry in VerifierRegistry.entries where optimal || entry.name != "optimal" {
            for law in laws where entry.supportedLaws.contains(law.name) {
                if let v = try? VerifierRegistry.makeVerifier(name: entry.name, target: p, law: law) { out.append(v) }
            }
        }
        return out
    }
}
