import ImportanceSampling

/// The known verifiers by command-line name: what each supports, and a factory.
///
/// | name | natural law | supported laws | exact formula |
/// |---|---|---|---|
/// | single | iid (n = 1) | iid, without-replacement, greedy, independent with n = 1 | Σ min(p, q) |
/// | rrs | iid | iid, independent | 1 − Π(1 − a_i) |
/// | rrs-without-replacement | without-replacement | without-replacement | — (recursion; enumeration) |
/// | kseq | iid | iid | 1 − (1 − β(ρ*))ⁿ |
/// | spechub | spechub | spechub (n = 2) | p(a) + Σ_{i≠a} min(p, q') |
/// | greedy | greedy | greedy | p(T) + Σ_{i∉T} min(p, q') |
/// | sir | iid | iid, independent | — (coin: Σ min(p, p_I)) |
/// | importance | iid | iid, independent | exact membership by enumeration (small V); coin Σ min(p, p_I) |
/// | optimal | iid | every law | alpha*: coin Σ min(p, r_w) of the realised selection (iid, small-V without replacement), else the LP |
/// | naive | iid | every law | Σ p(1 − (1 − q)ⁿ) (iid) |
public enum VerifierRegistry {
    public struct Entry: Sendable {
        public let name: String
        /// The draft law the verifier was designed for.
        public let naturalLaw: String
        /// Every law `makeVerifier` accepts for it.
        public let supportedLaws: [String]
        /// Whether ``Verifier/exactAcceptance`` is a closed form (or LP value) for its natural law.
        public let hasExactFormula: Bool
        public let summary: String
        let make: @Sendable (Distribution, DraftLaw) throws -> any Verifier
    }

    static let allLaws = ["iid", "without-replacement", "independent", "greedy", "spechub"]

    public static let entries: [Entry] = [
        Entry(name: "single", naturalLaw: "iid", supportedLaws: ["iid", "without-replacement", "greedy", "independent"],
              hasExactFormula: true, summary: "single-draft speculative sampling (n = 1)",
              make: { try SpeculativeSamplingVerifier(target: $0, law: $1) }),
        Entry(name: "rrs", naturalLaw: "iid", supportedLaws: ["iid", "independent"], hasExactFormula: true,
              summary: "recursive rejection sampling with replacement (SpecInfer, MCSD)",
              make: { try RecursiveRejectionVerifier(target: $0, law: $1) }),
        Entry(name: "rrs-without-replacement", naturalLaw: "without-replacement", supportedLaws: ["without-replacement"],
              hasExactFormula: false, summary: "recursive rejection sampling without replacement (MCSD, Sequoia)",
              make: { try RecursiveRejectionWithoutReplacementVerifier(target: $0, law: $1) }),
        Entry(name: "kseq", naturalLaw: "iid", supportedLaws: ["iid"], hasExactFormula: true,
              summary: "SpecTr K-SEQ at rho*", make: { try KSeqVerifier(target: $0, law: $1) }),
        Entry(name: "spechub", naturalLaw: "spechub", supportedLaws: ["spechub"], hasExactFormula: true,
              summary: "SpecHub hub-pair verifier (n = 2)", make: { try SpecHubVerifier(target: $0, law: $1) }),
        Entry(name: "greedy", naturalLaw: "greedy", supportedLaws: ["greedy"], hasExactFormula: true,
              summary: "matching verifier for greedy drafts (Hu et al.)", make: { try GreedyVerifier(target: $0, law: $1) }),
        Entry(name: "sir", naturalLaw: "iid", supportedLaws: ["iid", "independent"], hasExactFormula: false,
              summary: "SIR selection (pairwise tournament for n > 2) + speculative sampling against p_I",
              make: { try SIRVerifier(target: $0, law: $1) }),
        Entry(name: "importance", naturalLaw: "iid", supportedLaws: ["iid", "independent"], hasExactFormula: false,
              summary: "Khisti et al. two-step scheme: weight-LP selection (tournament for n > 2) + speculative sampling against p_I",
              make: { try ImportanceVerifier(target: $0, law: $1) }),
        Entry(name: "optimal", naturalLaw: "iid", supportedLaws: allLaws, hasExactFormula: true,
              summary: "reaches alpha*: optimal selection law + two-step scheme (iid at any V, without replacement for small V), else the LP transport plan",
              make: { try makeOptimalVerifier(target: $0, law: $1) }),
        Entry(name: "naive", naturalLaw: "iid", supportedLaws: allLaws, hasExactFormula: true,
              summary: "naive multi-candidate sampling: Y ~ p, accepted iff drafted", make: { try NaiveVerifier(target: $0, law: $1) }),
    ]

    /// Every verifier name, in registry order.
    public static var names: [String] { entries.map(\.name) }

    /// The entry named `name`; throws ``VerifierError/unknownVerifier(_:)``.
    public static func entry(named name: String) throws -> Entry {
        guard let e = entries.first(where: { $0.name == name }) else { throw VerifierError.unknownVerifier(name) }
        return e
    }

    /// Builds the verifier `name` for target p and the draft law; throws for unknown names, unsupported laws
    /// (``VerifierError/unsupportedLaw(verifier:law:supported:)``), wrong draft counts and vocabulary mismatches.
    public static func makeVerifier(name: String, target p: Distribution, law: DraftLaw) throws -> any Verifier {
        let e = try entry(named: name)
        guard e.supportedLaws.contains(law.name) else {
            throw VerifierError.unsupportedLaw(verifier: name, law: law.name, supported: e.supportedLaws)
        }
        return try e.make(p, law)
    }
}

/// The `optimal` verifier for a law: the realised optimal selection law (``OptimalSelectionVerifier``) for i.i.d.
/// drafts at any V and for without-replacement drafts whose tuple law can be enumerated; the LP transport plan
/// (``OptimalCouplingVerifier``) for every other law and size.
public func makeOptimalVerifier(target p: Distribution, law: DraftLaw, threads: Int = 1) throws -> any Verifier {
    switch law.kind {
    case .iid:
        return try OptimalSelectionVerifier(target: p, law: law, threads: threads)
    case .withoutReplacement where law.estimatedTupleCount <= Double(RealisedOptimalSelection.maxEnumeratedTuples):
        return try OptimalSelectionVerifier(target: p, law: law, threads: threads)
    default:
        return try OptimalCouplingVerifier(target: p, law: law)
    }
}

/// Builds the verifier `name` for target p and the draft law (see ``VerifierRegistry``).
public func makeVerifier(name: String, target p: Distribution, law: DraftLaw) throws -> any Verifier {
    try VerifierRegistry.makeVerifier(name: name, target: p, law: law)
}
