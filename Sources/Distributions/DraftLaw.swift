/// The joint law of the n drafts proposed at one position: how the draft tuple x = (x₁, …, xₙ) is sampled.
///
/// | law | definition |
/// |---|---|
/// | ``iid(_:drafts:)`` | x₁, …, xₙ independent, each ~ q |
/// | ``withoutReplacement(_:drafts:)`` | successive sampling: x_k ~ q restricted to the tokens not yet drawn |
/// | ``independent(_:)`` | x_i ~ q_i independently (several draft models) |
/// | ``greedy(_:drafts:)`` | T = top_{n−1}(q) deterministically, plus xₙ ~ q(· ∣ ∉ T) |
/// | ``specHub(_:)`` | n = 2, hub a = argmax q: x₁ ~ q; x₂ ~ q(· ∣ ≠ a) if x₁ = a, else x₂ = a |
/// | ``explicit(_:)`` | any joint law over tuples, listed |
///
/// Every law gives `Q(H) = P(all drafts ∈ H)` (``subsetMass(ofMask:)``), samples tuples with a caller's generator
/// (``makeSampler()``), and for small V lists its law over draft *sets* (``setLaw(maxSets:)``).
///
/// Laws that draw distinct tokens (without replacement, greedy, SpecHub) need at least n tokens with positive draft
/// probability; larger n is refused with ``DraftLawError/tooManyDrafts(law:drafts:support:)`` rather than silently
/// changing the law. Ties in argmax / top-k go to the smaller token index.
///
/// Sources: SpecTr (Sun et al., 2023, arXiv 2310.15141); SpecHub (Sun, Zhou, Chen, Sun, 2024, arXiv 2411.05289);
/// Hu et al., "Towards Optimal Multi-draft Speculative Decoding" (2025, arXiv 2502.18779), greedy drafts.
public struct DraftLaw: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case iid(Distribution)
        case withoutReplacement(Distribution)
        case independent([Distribution])
        case greedy(Distribution)
        case specHub(Distribution)
        case explicit(ExplicitDraftLaw)
    }

    /// The law and its draft distribution(s).
    public let kind: Kind
    /// n, the number of drafts in a tuple.
    public let drafts: Int
    /// V, the vocabulary size.
    public let vocabularySize: Int
    /// The tokens drafted deterministically: top_{n−1}(q) for greedy, the hub {a} for SpecHub, else empty.
    public let deterministicTokens: [Int]

    private init(kind: Kind, drafts: Int, vocabularySize: Int, deterministicTokens: [Int] = []) {
        self.kind = kind
        self.drafts = drafts
        self.vocabularySize = vocabularySize
        self.deterministicTokens = deterministicTokens
    }

    /// n i.i.d. drafts from q (with replacement).
    public static func iid(_ q: Distribution, drafts n: Int) throws -> DraftLaw {
        guard n >= 1 else { throw DraftLawError.invalidDraftCount(n) }
        return DraftLaw(kind: .iid(q), drafts: n, vocabularySize: q.vocabularySize)
    }

    /// n drafts by successive sampling without replacement from q (Gumbel-top-n). Needs n ≤ |supp(q)|.
    public static func withoutReplacement(_ q: Distribution, drafts n: Int) throws -> DraftLaw {
        guard n >= 1 else { throw DraftLawError.invalidDraftCount(n) }
        guard n <= q.supportSize else {
            throw DraftLawError.tooManyDrafts(law: "without-replacement", drafts: n, support: q.supportSize)
        }
        return DraftLaw(kind: .withoutReplacement(q), drafts: n, vocabularySize: q.vocabularySize)
    }

    /// Independent drafts x_i ~ q_i, one distribution per draft (n = qs.count).
    public static func independent(_ qs: [Distribution]) throws -> DraftLaw {
        guard let first = qs.first else { throw DraftLawError.noDraftDistributions }
        for (i, q) in qs.enumerated() {
            try first.requireSameVocabulary(q, what: "draft distribution \(i + 1)")
        }
        return DraftLaw(kind: .independent(qs), drafts: qs.count, vocabularySize: first.vocabularySize)
    }

    /// Greedy drafts: the n−1 most likely draft tokens plus one sample from the rest. Needs n ≤ |supp(q)|, so that
    /// the last draft has positive mass to be drawn from.
    public static func greedy(_ q: Distribution, drafts n: Int) throws -> DraftLaw {
        guard n >= 1 else { throw DraftLawError.invalidDraftCount(n) }
        guard n <= q.supportSize else {
            throw DraftLawError.tooManyDrafts(law: "greedy", drafts: n, support: q.supportSize)
        }
        return DraftLaw(
            kind: .greedy(q), drafts: n, vocabularySize: q.vocabularySize,
            deterministicTokens: q.topTokens(n - 1))
    }

    /// SpecHub's two-draft pair law. Needs |supp(q)| ≥ 2.
    public static func specHub(_ q: Distribution) throws -> DraftLaw {
        guard q.supportSize >= 2 else {
            throw DraftLawError.tooManyDrafts(law: "spechub", drafts: 2, support: q.supportSize)
        }
        return DraftLaw(
            kind: .specHub(q), drafts: 2, vocabularySize: q.vocabularySize,
            deterministicTokens: q.topTokens(1))
    }

    /// An explicit joint law over draft tuples.
    public static func explicit(_ law: ExplicitDraftLaw) -> DraftLaw {
        DraftLaw(kind: .explicit(law), drafts: law.drafts, vocabularySize: law.vocabularySize)
    }

    /// Builds a law from its command-line name (`iid`, `without-replacement`, `independent`, `greedy`, `spechub`);
    /// see ``named(_:drafts:count:)-(DraftLawName,_,_)``.
    public static func named(_ name: String, drafts qs: [Distribution], count n: Int) throws -> DraftLaw {
        try named(try DraftLawName(parsing: name), drafts: qs, count: n)
    }

    /// The law's command-line name.
    public var name: String {
        switch kind {
        case .iid: return "iid"
        case .withoutReplacement: return "without-replacement"
        case .independent: return "independent"
        case .greedy: return "greedy"
        case .specHub: return "spechub"
        case .explicit: return "explicit"
        }
    }

    /// The draft distribution q of a single-distribution law (the first q_i for independent drafts).
    public var draftDistribution: Distribution? {
        switch kind {
        case .iid(let q), .withoutReplacement(let q), .greedy(let q), .specHub(let q): return q
        case .independent(let qs): return qs.first
        case .explicit: return nil
        }
    }
}

/// An explicit joint law over draft tuples: each tuple of n tokens with its probability.
public struct ExplicitDraftLaw: Sendable, Hashable {
    public let tuples: [[Int]]
    public let probabilities: [Double]
    public let drafts: Int
    public let vocabularySize: Int

    /// Validates tuple lengths, token range, and that the probabilities are a distribution.
    public init(vocabularySize: Int, tuples: [[Int]], probabilities: [Double]) throws {
        guard vocabularySize >= 1 else { throw DraftLawError.invalidExplicitLaw("vocabulary size must be >= 1") }
        guard !tuples.isEmpty, tuples.count == probabilities.count else {
            throw DraftLawError.invalidExplicitLaw("\(tuples.count) tuples but \(probabilities.count) probabilities")
        }
        let n = tuples[0].count
        guard n >= 1 else { throw DraftLawError.invalidDraftCount(n) }
        for (k, t) in tuples.enumerated() {
            guard t.count == n else {
                throw DraftLawError.invalidExplicitLaw("tuple \(k) has \(t.count) drafts, expected \(n)")
            }
            for x in t where x < 0 || x >= vocabularySize {
                throw DraftLawError.invalidExplicitLaw("tuple \(k) holds token \(x), outside 0..<\(vocabularySize)")
            }
        }
        do { _ = try Distribution(probabilities) } catch let error as DistributionError {
            throw DraftLawError.invalidExplicitLaw("tuple probabilities: \(error)")
        }
        self.tuples = tuples
        self.probabilities = probabilities
        self.drafts = n
        self.vocabularySize = vocabularySize
    }
}
