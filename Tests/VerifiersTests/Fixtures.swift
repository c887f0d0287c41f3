import Distributions
import MultidraftTesting
@testable import Verifiers

/// The shared test instances live in `MultidraftTesting` (``TestVectors``); these are short names for them and the
/// list of every registered verifier on an instance.
enum Fixtures {
    static func d(_ v: [Double]) -> Distribution { try! Distribution(v) }
    static let va = TestVectors.va, vb = TestVectors.vb, vc = TestVectors.vc, vd = TestVectors.vd, ve = TestVectors.ve
    static let toy3 = TestVectors.toy3, toy5 = TestVectors.toy5

    static func instance(_ seed: Int, vocabulary v: Int) -> (p: Distribution, q: Distribution, q2: Distribution) {
        TestVectors.instance(seed, vocabulary: v)
    }

    /// Every (verifier name, law) pair the registry accepts on (q, q2, n), optimal excluded when `optimal` is false.
    static func verifiers(
        _ p: Distribution, _ q: Distribution, _ q2: Distribution, drafts n: Int,
        optimal: Bool = true
    ) -> [any Verifier] {
        var laws: [DraftLaw] = []
        for name in DraftLawName.allCases {
            if let l = try? DraftLaw.named(name, drafts: (0..<n).map { $0 % 2 == 0 ? q : q2 }, count: n) {
                laws.append(l)
            }
        }
        var out: [any Verifier] = []
        for entry in VerifierRegistry.standard.entries where optimal || entry.name != "optimal" {
            for law in laws where entry.supports(law) {
                if let v = try? VerifierRegistry.standard.makeVerifier(name: entry.name, target: p, law: law) {
                    out.append(v)
                }
            }
        }
        return out
    }
}
