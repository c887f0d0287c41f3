/// Why a probability vector, or the text or file it came from, was refused.
public enum DistributionError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case notFinite(index: Int, value: Double)
    case negative(index: Int, value: Double)
    case notNormalized(sum: Double)
    case zeroMass
    case invalidTemperature(Double)
    case invalidTopK(Int)
    case invalidTopP(Double)
    case malformed(source: String, detail: String)
    case fileNotFound(String)
    case unsupportedFile(path: String, detail: String)

    public var description: String {
        switch self {
        case .empty:
            return "probability vector is empty"
        case .notFinite(let i, let v):
            return "entry \(i) is not finite (\(v))"
        case .negative(let i, let v):
            return "entry \(i) is negative (\(v))"
        case .notNormalized(let sum):
            return "probabilities sum to \(sum), not 1 (tolerance 1e-9)"
        case .zeroMass:
            return "all entries are zero: nothing to normalise"
        case .invalidTemperature(let t):
            return "temperature must be finite and > 0, got \(t)"
        case .invalidTopK(let k):
            return "top-k must be >= 1, got \(k)"
        case .invalidTopP(let p):
            return "top-p must be in (0, 1], got \(p)"
        case .malformed(let source, let detail):
            return "malformed input \(source): \(detail)"
        case .fileNotFound(let path):
            return "file not found: '\(path)'"
        case .unsupportedFile(let path, let detail):
            return "cannot read '\(path)': \(detail)"
        }
    }
}
