import MultidraftSupport
import ImportanceSampling
import Distributions

/// Why a verifier could not be built for a target and draft law.
public enum VerifierError: Error, Equatable, Sendable, CustomStringConvertible, ParameterSuggesting {
    case unknownVerifier(String, known: [String])
    case duplicateVerifier(String)
    case unsupportedLaw(verifier: String, law: String, supported: [String])
    case wrongDraftCount(verifier: String, expected: Int, found: Int)
    case tooLarge(verifier: String, detail: String, suggesting: [SuggestedParameter] = [])
    /// A parameter of the verifier (not of the law) is out of range.
    case invalidParameter(verifier: String, detail: String, suggesting: [SuggestedParameter] = [])
    /// The importance-sampling scheme behind the verifier could not be built; the cause is kept.
    case schemeFailed(verifier: String, cause: ImportanceSamplingError)
    case exactCheckTooLarge(detail: String)
    case noConditionalOutcome(verifier: String)

    public var description: String {
        switch self {
        case .unknownVerifier(let name, let known):
            return "unknown verifier '\(name)' (expected \(known.joined(separator: ", ")))"
        case .duplicateVerifier(let name):
            return "a verifier named '\(name)' is already registered"
        case .unsupportedLaw(let verifier, let law, let supported):
            return
                "verifier \(verifier) does not support the \(law) draft law (supported: \(supported.joined(separator: ", ")))"
        case .wrongDraftCount(let verifier, let expected, let found):
            return "verifier \(verifier) needs exactly \(expected) drafts, got \(found)"
        case .tooLarge(let verifier, let detail, _), .invalidParameter(let verifier, let detail, _):
            return "verifier \(verifier): \(detail)"
        case .schemeFailed(let verifier, let cause):
            return "verifier \(verifier): \(cause)"
        case .exactCheckTooLarge(let detail):
            return "exact verification refused: \(detail)"
        case .noConditionalOutcome(let verifier):
            return "verifier \(verifier) provides no analytic conditional outcome"
        }
    }

    public var suggestedParameters: [SuggestedParameter] {
        switch self {
        case .tooLarge(_, _, let parameters), .invalidParameter(_, _, let parameters): return parameters
        case .schemeFailed, .unknownVerifier, .duplicateVerifier, .unsupportedLaw, .wrongDraftCount,
            .exactCheckTooLarge, .noConditionalOutcome:
            return []
        }
    }
}

extension VerifierError {
    /// Throws ``VocabularyMismatch`` unless the target and the law share a vocabulary.
    static func requireSameVocabulary(_ p: Distribution, _ law: DraftLaw) throws {
        try law.requireVocabulary(of: p)
    }
}
