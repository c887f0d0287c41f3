import MultidraftSupport

/// Why a draft law could not be built.
public enum DraftLawError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidDraftCount(Int)
    case tooManyDrafts(law: String, drafts: Int, support: Int)
    case specHubNeedsTwoDrafts(Int)
    case noDraftDistributions
    case invalidExplicitLaw(String)
    case unknownLaw(String)
    case tooManyTuples(law: String, estimated: Double, limit: Int)

    public var description: String {
        switch self {
        case .invalidDraftCount(let n):
            return "number of drafts must be >= 1, got \(n)"
        case .tooManyDrafts(let law, let n, let support):
            return
                "\(law) law cannot draw \(n) drafts: the draft distribution has only \(support) tokens with positive probability"
        case .specHubNeedsTwoDrafts(let n):
            return "the spechub law is defined for exactly 2 drafts, got \(n)"
        case .noDraftDistributions:
            return "independent law needs at least one draft distribution"
        case .invalidExplicitLaw(let detail):
            return "invalid explicit draft law: \(detail)"
        case .unknownLaw(let name):
            return "unknown draft law '\(name)' (expected iid, without-replacement, independent, greedy or spechub)"
        case .tooManyTuples(let law, let estimated, let limit):
            return
                "the \(law) law has about \(estimated.countDescription) ordered draft tuples, more than the limit \(limit); use a smaller vocabulary or fewer drafts"
        }
    }
}
