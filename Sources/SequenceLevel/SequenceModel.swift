import MultidraftIO
import MultidraftSupport
import Distributions

/// Target and draft next-token laws given the context, for block efficiency along sequences. The context is the last
/// token (order-1 Markov); the context-free model ignores it (Leviathan et al.'s i.i.d. setting: the same (p, q) at
/// every position).
public struct SequenceModel: Sendable {
    /// Laws at the block's first position.
    public let firstTarget: Distribution
    public let firstDraft: Distribution
    /// Transition rows p(·|y), q(·|y) for y ∈ 0..<V; nil for the context-free model.
    public let targetTransitions: [Distribution]?
    public let draftTransitions: [Distribution]?

    public var vocabularySize: Int { firstTarget.vocabularySize }
    public var isContextFree: Bool { targetTransitions == nil }

    /// The context-free model.
    public init(target p: Distribution, draft q: Distribution) throws {
        try p.requireSameVocabulary(q, what: "draft")
        (firstTarget, firstDraft, targetTransitions, draftTransitions) = (p, q, nil, nil)
    }

    /// An order-1 Markov model: (p, q) at the first position, then p(·|y), q(·|y) after token y.
    public init(
        target p: Distribution, draft q: Distribution, targetTransitions: [Distribution],
        draftTransitions: [Distribution]
    ) throws {
        try p.requireSameVocabulary(q, what: "draft")
        let v = p.vocabularySize
        guard targetTransitions.count == v, draftTransitions.count == v,
            (targetTransitions + draftTransitions).allSatisfy({ $0.vocabularySize == v })
        else {
            throw SequenceLevelError.invalidModel(
                "a Markov model over \(v) tokens needs \(v) target and \(v) draft transition rows of \(v) probabilities"
            )
        }
        (firstTarget, firstDraft) = (p, q)
        (self.targetTransitions, self.draftTransitions) = (targetTransitions, draftTransitions)
    }

    /// The laws after context `y` (nil: the block's first position).
    public func laws(after y: Int?) -> (target: Distribution, draft: Distribution) {
        guard let y, let t = targetTransitions, let d = draftTransitions else { return (firstTarget, firstDraft) }
        return (t[y], d[y])
    }

    /// The contexts whose laws differ: [nil] for the context-free model, [nil] + every token for Markov.
    var contexts: [Int?] { isContextFree ? [nil] : [nil] + (0..<vocabularySize).map { Optional($0) } }

    /// Reads a Markov file: 2V rows of V numbers (commas or spaces), target rows first, then draft rows.
    public static func readTransitions(
        _ text: String, vocabularySize v: Int, source: String
    ) throws
        -> (target: [Distribution], draft: [Distribution])
    {
        let rows: [[Double]]
        do { rows = try NumericText.rows(text, allowHeader: false).rows.map(\.values) } catch {
            throw SequenceLevelError.invalidModel(
                "\(source): line \(error.line) holds a value that is not a number ('\(error.field.prefix(30))')")
        }
        guard rows.count == 2 * v else {
            throw SequenceLevelError.invalidModel(
                "\(source): expected \(2 * v) rows (\(v) target, then \(v) draft transition rows), found \(rows.count)")
        }
        var out: [Distribution] = []
        for (k, row) in rows.enumerated() {
            guard row.count == v else {
                throw SequenceLevelError.invalidModel("\(source): row \(k + 1) has \(row.count) values, expected \(v)")
            }
            do { out.append(try Distribution(row)) } catch {
                throw SequenceLevelError.invalidModel("\(source): row \(k + 1): \(error)")
            }
        }
        return (Array(out[0..<v]), Array(out[v...]))
    }
}

/// Why a sequence-level computation was refused.
public enum SequenceLevelError: Error, Equatable, Sendable, CustomStringConvertible, ParameterSuggesting {
    case invalidModel(String)
    case tooLarge(String)
    /// An exact computation beyond its work limit; a Monte-Carlo estimate remains possible.
    case exactTooLarge(String)
    case noExactOutcome(verifier: String)

    public var description: String {
        switch self {
        case .invalidModel(let s): return s
        case .tooLarge(let s): return s
        case .exactTooLarge(let s): return s + ": use a Monte-Carlo estimate"
        case .noExactOutcome(let v):
            return "verifier \(v) has no exact output law given the drafts: use a Monte-Carlo estimate"
        }
    }

    public var suggestedParameters: [SuggestedParameter] {
        switch self {
        case .exactTooLarge, .noExactOutcome: return [.trials]
        case .invalidModel, .tooLarge: return []
        }
    }
}
