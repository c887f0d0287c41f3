import MultidraftSupport
import AcceptanceBounds
import Distributions

/// Settings a verifier's factory may read beyond the target and the draft law: the thread count for its setup, the
/// size limits (``Limits``: the largest transport plan the optimal verifier builds, the submodular minimisation's
/// budget), and the importance-sampling scheme and truncation.
///
/// A registry entry states which of them it reads (``VerifierRegistry/Entry/settings``); a setting given to an
/// entry that does not read it is refused, so a front end never needs to know which verifier takes which option.
public struct VerifierSettings: Sendable, Equatable {
    /// A setting other than the thread count, which every factory may use.
    public enum Setting: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case limits, importanceScheme, truncation

        public var description: String {
            switch self {
            case .limits: return "size limits"
            case .importanceScheme: return "an importance-sampling scheme"
            case .truncation: return "a truncation"
            }
        }

        /// The parameter an error about this setting suggests changing.
        public var parameters: [SuggestedParameter] {
            switch self {
            case .limits: return [.maxPlanVariables]
            case .importanceScheme: return [.scheme]
            case .truncation: return [.truncate]
            }
        }
    }

    /// Threads for the verifier's setup (the realised optimal selection law); never changes its output.
    public var threads: Int
    /// The size limits of the verifier's setup; nil means ``Limits/standard``.
    public var limits: Limits?
    /// The two-step scheme of the importance verifier; nil means its default for the law.
    public var importanceScheme: ImportanceVerifier.Scheme?
    /// The truncation s of the importance verifier's weight LP; nil means none.
    public var truncation: Int?

    public init(
        threads: Int = 1, limits: Limits? = nil, importanceScheme: ImportanceVerifier.Scheme? = nil,
        truncation: Int? = nil
    ) {
        (self.threads, self.limits, self.importanceScheme, self.truncation) = (
            threads, limits, importanceScheme, truncation
        )
    }

    /// The limits in force.
    public var limitsInForce: Limits { limits ?? .standard }

    /// The settings given a value (the thread count aside).
    public var given: [Setting] {
        var result: [Setting] = []
        if limits != nil { result.append(.limits) }
        if importanceScheme != nil { result.append(.importanceScheme) }
        if truncation != nil { result.append(.truncation) }
        return result
    }
}
