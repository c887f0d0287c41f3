import MultidraftSupport
import AcceptanceBounds
import Distributions
import ImportanceSampling

/// A set of verifiers by command-line name: what each supports, and a factory. A value: a user's executable starts
/// from ``standard`` (the toolkit's verifiers), adds its own entries with ``registering(_:)`` and hands the result to
/// the command-line tool, which then simulates, lists and audits the user's verifiers like its own.
///
/// | name | natural law | supported laws | drafts | exact formula |
/// |---|---|---|---|---|
/// | single | iid (n = 1) | iid, without-replacement, greedy, independent | 1 | Σ min(p, q) |
/// | rrs | iid | iid, independent | any | 1 − Π(1 − a_i) |
/// | rrs-without-replacement | without-replacement | without-replacement | any | — (recursion; enumeration) |
/// | kseq | iid | iid | any | 1 − (1 − β(ρ*))ⁿ |
/// | spechub | spechub | spechub | 2 | p(a) + Σ_{i≠a} min(p, q') |
/// | greedy | greedy | greedy | any | p(T) + Σ_{i∉T} min(p, q') |
/// | sir | iid | iid, independent | any | — (coin: Σ min(p, p_I)) |
/// | importance | iid | iid, independent | any | exact membership by enumeration (small V); coin Σ min(p, p_I) |
/// | optimal | iid | every law | any | alpha*: coin Σ min(p, r_w) of the realised selection (iid, small-V without replacement), else the LP |
/// | naive | iid | every law | any | Σ p(1 − (1 − q)ⁿ) (iid) |
///
/// Adding a verifier is one ``Entry``:
///
/// ```swift
/// let registry = try VerifierRegistry.standard.registering(
///     VerifierRegistry.Entry(name: "mine", laws: [.iid], summary: "my verifier") { try MyVerifier(target: $0, law: $1) })
/// ```
public struct VerifierRegistry: Sendable {
    /// One verifier: its name, the laws and draft counts it supports (the one place this is stated), the settings
    /// it reads, and a factory.
    public struct Entry: Sendable {
        public let name: String
        /// The draft law the verifier was designed for (the first supported law unless given).
        public let naturalLaw: DraftLawName
        /// Every law ``VerifierRegistry/makeVerifier(name:target:law:)`` accepts for it.
        public let supportedLaws: [DraftLawName]
        /// The numbers of drafts it accepts.
        public let drafts: ClosedRange<Int>
        /// Whether ``Verifier/exactAcceptance`` is a closed form (or LP value) for its natural law.
        public let hasExactFormula: Bool
        public let summary: String
        /// The settings of ``VerifierSettings`` the factory reads beyond the thread count (which any factory may
        /// use); giving another one is refused by ``VerifierRegistry/makeVerifier(name:target:law:settings:)``.
        public let settings: Set<VerifierSettings.Setting>
        /// Builds the verifier for a target, a law that ``supports(_:)`` and the settings.
        public let makeWithSettings: @Sendable (Distribution, DraftLaw, VerifierSettings) throws -> any Verifier
        /// Memory in bytes the verifier holds beyond its per-draft tables of V entries, for a law and the settings
        /// (e.g. a V × V weight table); used to refuse runs before they start.
        public let extraMemory: @Sendable (DraftLaw, VerifierSettings) -> Double

        /// Builds the verifier for a target and a law that ``supports(_:)``, with the default settings.
        public var make: @Sendable (Distribution, DraftLaw) throws -> any Verifier {
            let build = makeWithSettings
            return { try build($0, $1, VerifierSettings()) }
        }

        /// An entry whose factory takes only the target and the law (the usual case for a user's verifier).
        public init(
            name: String, laws: [DraftLawName], naturalLaw: DraftLawName? = nil, drafts: ClosedRange<Int> = 1...Int.max,
            hasExactFormula: Bool = false, summary: String,
            make: @escaping @Sendable (Distribution, DraftLaw) throws -> any Verifier
        ) {
            self.init(
                name: name, laws: laws, naturalLaw: naturalLaw, drafts: drafts, hasExactFormula: hasExactFormula,
                summary: summary, settings: []
            ) { p, law, _ in try make(p, law) }
        }

        /// An entry whose factory reads `settings` (and the thread count) from ``VerifierSettings``.
        public init(
            name: String, laws: [DraftLawName], naturalLaw: DraftLawName? = nil, drafts: ClosedRange<Int> = 1...Int.max,
            hasExactFormula: Bool = false, summary: String, settings: Set<VerifierSettings.Setting>,
            extraMemory: @escaping @Sendable (DraftLaw, VerifierSettings) -> Double = { _, _ in 0 },
            makeWithSettings: @escaping @Sendable (Distribution, DraftLaw, VerifierSettings) throws -> any Verifier
        ) {
            precondition(!laws.isEmpty, "a verifier supports at least one law")
            self.name = name
            self.supportedLaws = laws
            self.naturalLaw = naturalLaw ?? laws[0]
            self.drafts = drafts
            self.hasExactFormula = hasExactFormula
            self.summary = summary
            self.settings = settings
            self.extraMemory = extraMemory
            self.makeWithSettings = makeWithSettings
        }

        /// Whether the entry accepts this law (by name) with this many drafts.
        public func supports(_ law: DraftLawName, drafts n: Int) -> Bool {
            supportedLaws.contains(law) && drafts.contains(n)
        }

        /// Whether the entry accepts the law (explicit laws are never supported).
        public func supports(_ law: DraftLaw) -> Bool {
            guard let name = law.lawName else { return false }
            return supports(name, drafts: law.drafts)
        }

        /// Throws ``VerifierError/invalidParameter(verifier:detail:suggesting:)`` when `settings` gives a value the
        /// entry does not read.
        public func requireSettings(_ settings: VerifierSettings) throws {
            for setting in settings.given where !self.settings.contains(setting) {
                throw VerifierError.invalidParameter(
                    verifier: name, detail: "it does not take \(setting.description)",
                    suggesting: setting.parameters)
            }
        }

        /// The number of drafts used when none is given: 2 if allowed, else the smallest allowed.
        public var defaultDrafts: Int { drafts.contains(2) ? 2 : drafts.lowerBound }

        /// Throws ``VerifierError/unsupportedLaw(verifier:law:supported:)`` or
        /// ``VerifierError/wrongDraftCount(verifier:expected:found:)`` unless the entry supports the law.
        public func requireSupport(_ law: DraftLaw) throws {
            guard let lawName = law.lawName, supportedLaws.contains(lawName) else {
                throw VerifierError.unsupportedLaw(
                    verifier: name, law: law.name, supported: supportedLaws.map(\.rawValue))
            }
            guard drafts.contains(law.drafts) else {
                throw VerifierError.wrongDraftCount(verifier: name, expected: drafts.lowerBound, found: law.drafts)
            }
        }
    }

    /// The entries, in registration order.
    public private(set) var entries: [Entry]

    /// A registry of `entries`; throws ``VerifierError/duplicateVerifier(_:)`` if two share a name.
    public init(_ entries: [Entry]) throws {
        self.entries = []
        for entry in entries { try register(entry) }
    }

    /// Adds an entry; throws ``VerifierError/duplicateVerifier(_:)`` if its name is taken.
    public mutating func register(_ entry: Entry) throws {
        guard !entries.contains(where: { $0.name == entry.name }) else {
            throw VerifierError.duplicateVerifier(entry.name)
        }
        entries.append(entry)
    }

    /// This registry with one more entry.
    public func registering(_ entry: Entry) throws -> VerifierRegistry {
        var copy = self
        try copy.register(entry)
        return copy
    }

    /// Every verifier name, in registry order.
    public var names: [String] { entries.map(\.name) }

    /// The entry named `name`; throws ``VerifierError/unknownVerifier(_:known:)``.
    public func entry(named name: String) throws -> Entry {
        guard let e = entries.first(where: { $0.name == name }) else {
            throw VerifierError.unknownVerifier(name, known: names)
        }
        return e
    }

    /// Builds the verifier `name` for target p and the draft law; throws for unknown names, unsupported laws
    /// (``VerifierError/unsupportedLaw(verifier:law:supported:)``), wrong draft counts and vocabulary mismatches.
    public func makeVerifier(name: String, target p: Distribution, law: DraftLaw) throws -> any Verifier {
        try makeVerifier(name: name, target: p, law: law, settings: VerifierSettings())
    }

    /// Builds the verifier `name` with settings; throws as ``makeVerifier(name:target:law:)`` does, and
    /// ``VerifierError/invalidParameter(verifier:detail:suggesting:)`` when a setting the entry does not read is given.
    public func makeVerifier(
        name: String, target p: Distribution, law: DraftLaw, settings: VerifierSettings
    ) throws -> any Verifier {
        let e = try entry(named: name)
        try e.requireSupport(law)
        try e.requireSettings(settings)
        return try e.makeWithSettings(p, law, settings)
    }

    /// The toolkit's verifiers.
    public static let standard: VerifierRegistry = try! VerifierRegistry([
        Entry(
            name: "single", laws: [.iid, .withoutReplacement, .greedy, .independent], drafts: 1...1,
            hasExactFormula: true, summary: "single-draft speculative sampling (n = 1)",
            make: { try SpeculativeSamplingVerifier(target: $0, law: $1) }),
        Entry(
            name: "rrs", laws: [.iid, .independent], hasExactFormula: true,
            summary: "recursive rejection sampling with replacement (SpecInfer, MCSD)",
            make: { try RecursiveRejectionVerifier(target: $0, law: $1) }),
        Entry(
            name: "rrs-without-replacement", laws: [.withoutReplacement],
            summary: "recursive rejection sampling without replacement (MCSD, Sequoia)",
            make: { try RecursiveRejectionWithoutReplacementVerifier(target: $0, law: $1) }),
        Entry(
            name: "kseq", laws: [.iid], hasExactFormula: true,
            summary: "SpecTr K-SEQ at rho*", make: { try KSeqVerifier(target: $0, law: $1) }),
        Entry(
            name: "spechub", laws: [.specHub], drafts: 2...2, hasExactFormula: true,
            summary: "SpecHub hub-pair verifier (n = 2)", make: { try SpecHubVerifier(target: $0, law: $1) }),
        Entry(
            name: "greedy", laws: [.greedy], hasExactFormula: true,
            summary: "matching verifier for greedy drafts (Hu et al.)",
            make: { try GreedyVerifier(target: $0, law: $1) }),
        Entry(
            name: "sir", laws: [.iid, .independent],
            summary: "SIR selection (pairwise tournament for n > 2) + speculative sampling against p_I",
            make: { try SIRVerifier(target: $0, law: $1) }),
        Entry(
            name: "importance", laws: [.iid, .independent],
            summary:
                "Khisti et al. two-step scheme: weight-LP selection (tournament for n > 2) + speculative sampling against p_I",
            settings: [.importanceScheme, .truncation],
            extraMemory: { law, settings in
                // Khisti et al.'s LP scheme holds V x V pair weights per tournament stage.
                let scheme =
                    settings.importanceScheme
                    ?? ImportanceVerifier.defaultScheme(for: law, truncate: settings.truncation)
                let v = Double(law.vocabularySize)
                return scheme == .lp ? 8 * v * v * Double(max(1, law.drafts - 1)) : 0
            },
            makeWithSettings: {
                try ImportanceVerifier(target: $0, law: $1, truncate: $2.truncation, scheme: $2.importanceScheme)
            }),
        Entry(
            name: "optimal", laws: DraftLawName.allCases, hasExactFormula: true,
            summary:
                "reaches alpha*: optimal selection law + two-step scheme (iid and without replacement at any V), else the transport plan by max flow, else (independent drafts) the certified priority mixture",
            settings: [.limits],
            makeWithSettings: {
                try makeOptimalVerifier(target: $0, law: $1, threads: $2.threads, limits: $2.limitsInForce)
            }),
        Entry(
            name: "naive", laws: DraftLawName.allCases, hasExactFormula: true,
            summary: "naive multi-candidate sampling: Y ~ p, accepted iff drafted",
            make: { try NaiveVerifier(target: $0, law: $1) })
    ])
}

/// The `optimal` verifier for a law, the one routing used by `simulate`, `batch`, the registry and the experiments:
/// the realised optimal selection law (``OptimalSelectionVerifier``) for i.i.d. and without-replacement drafts at
/// any V; the transport plan by maximum flow (``OptimalCouplingVerifier``) for every other law while the plan has at
/// most ``Limits/planEntries`` entries (one per draft set and token in it); beyond that, for independent drafts, the
/// certified mixture of priority orders of exact submodular minimisation (``PriorityMixtureVerifier``), which needs
/// no plan at all. Other laws beyond the limit are refused by the plan's own size check.
public func makeOptimalVerifier(
    target p: Distribution, law: DraftLaw, threads: Int = 1,
    limits: Limits = .standard
) throws -> any Verifier {
    switch law.kind {
    case .iid, .withoutReplacement:
        return try OptimalSelectionVerifier(target: p, law: law, threads: threads)
    case .independent where OptimalTransportLP.estimatedSize(of: law).variables > Double(limits.planEntries):
        return try PriorityMixtureVerifier(target: p, law: law, maxIterations: limits.sfmIterations)
    default:
        return try OptimalCouplingVerifier(target: p, law: law, limits: limits)
    }
}

/// Builds the verifier `name` of ``VerifierRegistry/standard`` for target p and the draft law.
public func makeVerifier(name: String, target p: Distribution, law: DraftLaw) throws -> any Verifier {
    try VerifierRegistry.standard.makeVerifier(name: name, target: p, law: law)
}
