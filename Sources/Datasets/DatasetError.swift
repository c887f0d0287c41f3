import MultidraftSupport
import Distributions
/// Why a dataset of positions was refused: always names the file, and the position where one is at fault.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible, ParameterSuggesting {
    /// The file as a whole (magic, header, shape, dtype, truncation).
    case file(path: String, detail: String)
    /// One position (row) of a file.
    case position(path: String, position: Int, detail: String)
    /// Files that disagree with each other (positions, vocabulary).
    case mismatch(detail: String)
    /// An option that does not fit the data, with the parameters the message suggests changing.
    case usage(String, suggesting: [SuggestedParameter] = [])

    public var description: String {
        switch self {
        case .file(let path, let detail): return "\(path): \(detail)"
        case .position(let path, let position, let detail): return "\(path): position \(position): \(detail)"
        case .mismatch(let detail): return detail
        case .usage(let detail, _): return detail
        }
    }

    public var suggestedParameters: [SuggestedParameter] {
        if case .usage(_, let parameters) = self { return parameters }
        return []
    }

    /// The position at fault, if any.
    public var position: Int? {
        if case .position(_, let p, _) = self { return p }
        return nil
    }
}
