/// The command-line name of a draft law: the one list of law names the toolkit knows.
///
/// | name | law |
/// |---|---|
/// | `iid` | ``DraftLaw/iid(_:drafts:)`` |
/// | `without-replacement` | ``DraftLaw/withoutReplacement(_:drafts:)`` |
/// | `independent` | ``DraftLaw/independent(_:)`` |
/// | `greedy` | ``DraftLaw/greedy(_:drafts:)`` |
/// | `spechub` | ``DraftLaw/specHub(_:)`` (n = 2) |
public enum DraftLawName: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case iid
    case withoutReplacement = "without-replacement"
    case independent
    case greedy
    case specHub = "spechub"

    public var description: String { rawValue }

    /// The law named `name`; throws ``DraftLawError/unknownLaw(_:)``.
    public init(parsing name: String) throws {
        guard let law = DraftLawName(rawValue: name) else { throw DraftLawError.unknownLaw(name) }
        self = law
    }
}

extension DraftLaw {
    /// The name of the law, nil for an explicit law.
    public var lawName: DraftLawName? { DraftLawName(rawValue: name) }

    /// Builds a law from its name. `independent` uses every distribution in `drafts`; the others use the first and
    /// `count` drafts.
    public static func named(_ name: DraftLawName, drafts qs: [Distribution], count n: Int) throws -> DraftLaw {
        guard let q = qs.first else { throw DraftLawError.noDraftDistributions }
        switch name {
        case .iid: return try iid(q, drafts: n)
        case .withoutReplacement: return try withoutReplacement(q, drafts: n)
        case .independent: return try independent(qs)
        case .greedy: return try greedy(q, drafts: n)
        case .specHub:
            guard n == 2 else { throw DraftLawError.specHubNeedsTwoDrafts(n) }
            return try specHub(q)
        }
    }
}
