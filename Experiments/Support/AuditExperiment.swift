import Foundation
import Multidraft
import MultidraftIO

/// (f) Distribution-preservation audit of every verifier: on each instance, the largest deviation of the exact
/// output law (enumeration of draft tuples and of the verifier's own randomness) from p, the exact and closed-form
/// acceptance, and a Monte-Carlo run: acceptance z-score against the exact value and the chi-square p-value of the
/// output counts against p. Instances: the test vectors, random small pairs with zero entries, p = q, and
/// disjoint supports.
public enum AuditExperiment: Experiment {
    public static let name = "audit"
    public static let header = [
        "instance", "vocab", "drafts", "law", "verifier", "bound", "exact_acceptance",
        "closed_form", "max_law_error", "acceptance", "std_error", "z_score", "chi2_pvalue",
        "trials"
    ]

    public struct Item: Sendable { let instance: String, p: [Double], q: [Double], drafts: Int }

    public static func items(scale: ExperimentScale) -> [Item] {
        var items: [Item] = []
        let vectors: [(String, [Double], [Double])] = [
            ("toy4", [0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]),
            ("VA", [0.5, 0.3, 0.2], [0.2, 0.3, 0.5]),
            ("VE", [0.05, 0.05, 0.6, 0.3], [0.7, 0.1, 0.1, 0.1]),
            ("p_equals_q", [0.6, 0.3, 0.1], [0.6, 0.3, 0.1]),
            ("disjoint", [0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5])
        ]
        let ns = scale == .tiny ? [2] : [1, 2, 3]
        for (name, p, q) in vectors { for n in ns { items.append(Item(instance: name, p: p, q: q, drafts: n)) } }
        var rng = Xoshiro256(seed: 0xA0D17)
        let randomCount = scale == .tiny ? 1 : (scale == .quick ? 6 : 30)
        for k in 0..<randomCount {
            let v = 3 + k % 4
            let p = Distribution.dirichlet(v, concentration: 0.5, zeroFraction: 0.2, using: &rng).probabilities
            let q = Distribution.dirichlet(v, concentration: 0.5, zeroFraction: 0.2, using: &rng).probabilities
            for n in ns { items.append(Item(instance: "random\(k)", p: p, q: q, drafts: n)) }
        }
        return items
    }

    static func trials(_ scale: ExperimentScale) -> Int {
        switch scale {
        case .tiny: return 5_000;
        case .quick: return 100_000;
        case .full: return 1_000_000
        }
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let p = try Distribution(item.p), q = try Distribution(item.q)
        var rows: [[CSVValue]] = []
        for entry in context.registry.entries {
            for lawName in entry.supportedLaws
            where lawName != .independent && entry.supports(lawName, drafts: item.drafts) {
                guard let law = try? DraftLaw.named(lawName, drafts: [q], count: item.drafts),
                    let verifier = try? context.registry.makeVerifier(name: entry.name, target: p, law: law)
                else { continue }
                let bound = try optimalAcceptance(target: p, law: law, method: .auto).alpha
                let exact = try ExactVerification(verifier)
                let n = trials(context.scale)
                let result = MonteCarlo.run(
                    anyVerifier: verifier, trials: n, seed: rng.next(),
                    threads: context.threads)
                let se = (exact.membershipAcceptance * (1 - exact.membershipAcceptance) / Double(n)).squareRoot()
                let z = se > 0 ? (result.acceptance - exact.membershipAcceptance) / se : 0
                rows.append([
                    .text(item.instance), .integer(p.vocabularySize), .integer(item.drafts), .text(lawName.rawValue),
                    .text(entry.name), .real(bound), .real(exact.membershipAcceptance),
                    verifier.exactAcceptance.map { .real($0) } ?? .empty, .real(exact.maxDeviation(from: p)),
                    .real(result.acceptance), .real(result.standardError), .real(z),
                    .real(result.chiSquare.pValue), .integer(n)
                ])
            }
        }
        return rows
    }
}
