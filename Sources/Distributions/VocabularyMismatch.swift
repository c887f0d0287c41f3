/// Two things that must share a vocabulary do not: the one error every module throws for it.
///
/// `what` names the offending input ("draft 2", "the draft law", "the selection rule", …); `expected` is the
/// reference vocabulary size (usually the target's) and `found` the input's.
public struct VocabularyMismatch: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    public let what: String
    public let expected: Int
    public let found: Int

    public init(what: String, expected: Int, found: Int) {
        self.what = what
        self.expected = expected
        self.found = found
    }

    public var description: String {
        "\(what) has \(found) tokens, expected \(expected) (vocabulary sizes must match)"
    }
}

extension DraftLaw {
    /// Throws ``VocabularyMismatch`` unless the law has the target's vocabulary size.
    public func requireVocabulary(of target: Distribution) throws {
        guard vocabularySize == target.vocabularySize else {
            throw VocabularyMismatch(what: "the draft law", expected: target.vocabularySize, found: vocabularySize)
        }
    }
}
