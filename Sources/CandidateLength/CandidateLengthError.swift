import MultidraftSupport
import Foundation
import Distributions

/// Why a candidate-length computation refused its input. Every case prints as one line naming the problem.
public enum CandidateLengthError: Error, Equatable, Sendable, CustomStringConvertible, ParameterSuggesting {
    /// An acceptance rate α outside [0, 1] or not finite.
    case acceptanceOutOfRange(name: String, value: Double)
    /// A cost (t_draft, t_target, or the ratio c) that is not finite and > 0.
    case nonPositiveCost(name: String, value: Double)
    /// A length bound that is out of range (e.g. K_max < 1, k_min > K_max).
    case invalidLength(name: String, value: Int, detail: String)
    /// A threshold h that is NaN.
    case invalidThreshold(Double)
    /// An acceptance law with no support points, or with bad weights.
    case emptyAcceptanceLaw
    case invalidWeight(index: Int, value: Double)
    case zeroTotalWeight
    /// The count-vector state space (or the path enumeration) would be too large.
    case stateSpaceTooLarge(states: Double, limit: Int)
    /// A Markov model whose shapes or rows are inconsistent.
    case invalidMarkovModel(String)
    /// A head weight w that is not finite and > 0.
    case invalidHeadWeight(Double)
    /// A numeric input that is NaN or infinite.
    case notFinite(name: String, value: Double)
    /// Cost regression: too few rows, negative counts, singular design, LAPACK failure.
    case tooFewRows(found: Int, needed: Int)
    case negativeCount(row: Int, name: String, value: Double)
    case singularDesign(String)
    case lapackFailure(routine: String, info: Int32)
    /// Text input that could not be parsed.
    case malformedInput(source: String, line: Int, detail: String)
    case emptyInput(source: String)
    case fileNotFound(String)
    /// A simulation request that makes no sense (e.g. zero rounds).
    case invalidSimulation(String)

    public var description: String {
        switch self {
        case .acceptanceOutOfRange(let name, let v):
            return "\(name) must be a finite number in [0, 1], got \(v)"
        case .nonPositiveCost(let name, let v):
            return "\(name) must be finite and > 0, got \(v)"
        case .invalidLength(let name, let v, let detail):
            return "\(name) = \(v) is invalid: \(detail)"
        case .invalidThreshold(let h):
            return "threshold h must be a number (got \(h))"
        case .emptyAcceptanceLaw:
            return "acceptance law is empty: give at least one acceptance probability"
        case .invalidWeight(let i, let v):
            return "weight \(i) must be finite and >= 0, got \(v)"
        case .zeroTotalWeight:
            return "acceptance-law weights sum to 0"
        case .stateSpaceTooLarge(let states, let limit):
            let about = states.isFinite ? "about \(String(format: "%.3g", states))" : "more than 1e308"
            return
                "state space too large: \(about) states (limit \(limit)); use fewer support values (bins) or a smaller largest length"
        case .invalidMarkovModel(let detail):
            return "invalid Markov difficulty model: \(detail)"
        case .invalidHeadWeight(let w):
            return "head weight w must be finite and > 0, got \(w)"
        case .notFinite(let name, let v):
            return "\(name) must be finite, got \(v)"
        case .tooFewRows(let found, let needed):
            return "cost regression needs at least \(needed) rows, got \(found)"
        case .negativeCount(let row, let name, let v):
            return "row \(row): \(name) must be >= 0, got \(v)"
        case .singularDesign(let detail):
            return "cost regression design is singular: \(detail)"
        case .lapackFailure(let routine, let info):
            return "LAPACK \(routine) failed (info = \(info))"
        case .malformedInput(let source, let line, let detail):
            return "malformed input \(source) line \(line): \(detail)"
        case .emptyInput(let source):
            return "no data in \(source)"
        case .fileNotFound(let path):
            return "file not found: '\(path)'"
        case .invalidSimulation(let detail):
            return "invalid simulation request: \(detail)"
        }
    }
}

extension CandidateLengthError {
    public var suggestedParameters: [SuggestedParameter] {
        if case .stateSpaceTooLarge = self { return [.bins, .maxLength] }
        return []
    }
}

/// Throws unless `x` is finite and in [0, 1].
@inline(__always)
func requireProbability(_ x: Double, _ name: String) throws {
    guard x.isFinite, x >= 0, x <= 1 else { throw CandidateLengthError.acceptanceOutOfRange(name: name, value: x) }
}

/// Throws unless `x` is finite and > 0.
@inline(__always)
func requirePositiveCost(_ x: Double, _ name: String) throws {
    guard x.isFinite, x > 0 else { throw CandidateLengthError.nonPositiveCost(name: name, value: x) }
}
