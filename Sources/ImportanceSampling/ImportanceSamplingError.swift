/// Why an importance-sampling (two-step) construction was refused or failed.
///
/// Every case renders as one line naming the problem (``description``), suitable for a command-line error.
public enum ImportanceSamplingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The target and a draft distribution (or a weight table) disagree on V.
    /// The scheme needs a different number of drafts (e.g. a pair rule used with K ≠ 2).
    case wrongDraftCount(what: String, expected: String, found: Int)
    /// No draft distribution was given.
    case noDrafts
    /// A weight is NaN, infinite, negative or (for a probability) above 1.
    case invalidWeight(what: String, value: Double)
    /// A per-tuple weight vector does not sum to 1 (within 1e-9).
    case weightsNotNormalized(tuple: [Int], sum: Double)
    /// The weight table has the wrong number of entries.
    case weightCount(what: String, expected: Int, found: Int)
    /// The truncation parameter s is outside 1…V.
    case invalidTruncation(s: Int, vocabularySize: Int)
    /// Exact enumeration over Vᴷ tuples was refused because it is too large.
    case enumerationTooLarge(tuples: Double, limit: Int)
    /// A tuple handed to the sampler has the wrong length or holds a token outside 0..<V.
    case invalidTuple([Int])
    /// The LP solver did not reach an optimum.
    case solverFailed(String)
    /// A realised selection law could not be computed to a finite value (a numerical failure, reported rather than
    /// used: the verifier's losslessness rests on that law).
    case nonFiniteLaw(block: Int, blockSize: Int)

    public var description: String {
        switch self {
        case .wrongDraftCount(let what, let expected, let found):
            return "\(what) needs \(expected) drafts, got \(found)"
        case .noDrafts:
            return "at least one draft distribution is needed"
        case .invalidWeight(let what, let value):
            return "\(what) is not a valid weight (\(value)); weights must be finite, non-negative probabilities"
        case .weightsNotNormalized(let tuple, let sum):
            return "the selection weights of tuple \(tuple) sum to \(sum), not 1"
        case .weightCount(let what, let expected, let found):
            return "\(what) has \(found) entries, expected \(expected)"
        case .invalidTruncation(let s, let v):
            return "truncation s = \(s) is outside 1...\(v) (the vocabulary size)"
        case .enumerationTooLarge(let tuples, let limit):
            return String(format: "exact enumeration over %.3g draft tuples exceeds the limit of %d", tuples, limit)
        case .invalidTuple(let tuple):
            return "draft tuple \(tuple) has the wrong length or a token outside the vocabulary"
        case .solverFailed(let detail):
            return "the weight LP was not solved: \(detail)"
        case .nonFiniteLaw(let block, let size):
            return
                "the realised selection law of hull block \(block) (\(size) tokens) is not finite; no verifier was built"
        }
    }
}
