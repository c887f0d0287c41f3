/// Why a verifier could not be built for a target and draft law.
public enum VerifierError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownVerifier(String, known: [String])
    case duplicateVerifier(String)
    case unsupportedLaw(verifier: String, law: String, supported: [String])
    case wrongDraftCount(verifier: String, expected: Int, found: Int)
    case vocabularyMismatch(target: Int, draft: Int)
    case tooLarge(verifier: String, detail: String)
    case exactCheckTooLarge(detail: String)
    case noConditionalOutcome(verifier: String)

    public var description: String {
        switch self {
        case .unknownVerifier(let name, let known):
            return "unknown verifier '\(name)' (expected \(known.joined(separator: ", ")))"
        case .duplicateVerifier(let name):
            return "a verifier named '\(name)' is already registered"
        case .unsupportedLaw(let verifier, let law, let supported):
            return "verifier \(verifier) does not support the \(law) draft law (supported: \(supported.joined(separator: ", ")))"
        case .wrongDraftCount(let verifier, let expected, let found):
            return "verifier \(verifier) needs exactly \(expected) drafts, got \(found)"
        case .vocabularyMismatch(let t, let d):
            return "target has \(t) tokens but the draft law has \(d) (vocabulary sizes must match)"
        case .tooLarge(let verifier, let detail):
            return "verifier \(verifier): \(detail)"
        case .exactCheckTooLarge(let detail):
            return "exact verification refused: \(detail)"
        case .noConditionalOutcome(let verifier):
            return "verifier \(verifier) provides no analytic conditional outcome"
        }
    }
}

extension VerifierError {
    /// Throws unless the target and the law share a vocabulary.
    static func requireSameVocabulary(_ p: Distribution, _ law: DraftLaw) throws {
        guard p.vocabularySize == law.vocabularySize else {
            throw VerifierError.vocabularyMismatch(target: p.vocabularySize, draft: law.vocabularySize)
        }
    }
}
