import MultidraftSupport
import AcceptanceBounds

/// Settings a verifier's factory may read beyond the target and the draft law: the thread count for its setup, the
/// largest transport plan the optimal verifier builds, and the importance-sampling scheme and truncation.
///
/// A registry entry states which of them it reads (``VerifierRegistry/Entry/settings``); a setting given to an
/// entry that does not read it is refused, so a front end never needs to know which verifier takes which option.
public struct VerifierSettings: Sendable, Equatable {
    /// A setting other than the thread count, which every factory may use.
    public enum Setting: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case maxPlanVariables, importanceScheme, truncation

        public var description: String {
            switch self {
            case .maxPlanVariables: return "a transport-plan size limit"
            case .importanceScheme: return "an importance-sampling scheme"
            case .truncation: return "a truncation"
            }
        }

        /// The parameter an error about this setting suggests changing.
        public var parameters: [SuggestedParameter] {
            switch self {
            case .maxPlanVariables: return [.maxPlanVariables]
            case .importanceScheme: return [.scheme]
            case .truncation: return [.truncate]
            }
        }
    }

    /// Threads for the verifier's setup (the realised optimal selection law); never changes its output.
    public var threads: Int
    /// The largest transport plan (draft set × token entries) the optimal verifier builds explicitly; nil means
    /// ``OptimalTransportLP/defaultMaxVariables``.
    public var planLimit: Int?
    /// The two-step scheme of the importance verifier; nil means its default for the law.
    public var importanceScheme: ImportanceVerifier.Scheme?
    /// The truncation s of the importance verifier's weight LP; nil means none.
    public var truncation: Int?

    public init(
        threads: Int = 1, planLimit: Int? = nil, importanceScheme: ImportanceVerifier.Scheme? = nil,
        truncation: Int? = nil
    ) {
        (self.threads, self.planLimit, self.importanceScheme, self.truncation) = (
            threads, planLimit, importanceScheme, truncation
        )
    }

    /// The plan limit in force.
    public var maxPlanVariables: Int { planLimit ?? OptimalTransportLP.defaultMaxVariables }

    /// The settings given a value (the thread count aside).
    public var given: [Setting] {
        var result: [Setting] = []
        if planLimit != nil { result.append(.maxPlanVariables) }
        if importanceScheme != nil { result.append(.importanceScheme) }
        if truncation != nil { result.append(.truncation) }
        return result
    }
}
