import Distributions

/// Exact evaluation of a verifier by enumerating its draft law's ordered tuples and combining the analytic
/// ``Verifier/conditionalOutcome(given:)`` of each: no sampling.
///
/// ```
/// P(Y = y)             = Σ_x P(x) · P(Y = y ∣ x)
/// membership acceptance = Σ_x P(x) · Σ_{y ∈ set(x)} P(Y = y ∣ x)
/// coin acceptance       = Σ_x P(x) · P(coin ∣ x)
/// ```
///
/// Valid for V ≤ ``maxVocabulary`` and at most `maxTuples` ordered tuples (both refused with
/// ``VerifierError/exactCheckTooLarge(detail:)``).
/// - Complexity: O(#tuples · (V + cost of one conditional outcome)).
public struct ExactVerification: Sendable {
    public static let maxVocabulary = 12
    public static let defaultMaxTuples = 200_000

    /// P(Y = ·) over the verifier's draft law.
    public let outputLaw: [Double]
    /// P(Y ∈ set(x)).
    public let membershipAcceptance: Double
    /// P(an accept test fires).
    public let coinAcceptance: Double
    /// The number of tuples enumerated.
    public let tupleCount: Int

    /// max_y |P(Y = y) − p(y)|.
    public func maxDeviation(from p: Distribution) -> Double {
        zip(outputLaw, p.probabilities).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    public init(_ verifier: some Verifier, maxTuples: Int = ExactVerification.defaultMaxTuples) throws {
        let v = verifier.target.vocabularySize
        guard v <= Self.maxVocabulary else {
            throw VerifierError.exactCheckTooLarge(detail: "vocabulary size \(v) exceeds \(Self.maxVocabulary)")
        }
        let tuples: [DraftTuple]
        do { tuples = try verifier.law.tupleLaw(maxTuples: maxTuples) } catch let error as DraftLawError {
            throw VerifierError.exactCheckTooLarge(detail: error.description)
        }
        var law = [Double](repeating: 0, count: v)
        var member = 0.0, coin = 0.0
        for t in tuples {
            guard let c = verifier.conditionalOutcome(given: t.tokens) else {
                throw VerifierError.noConditionalOutcome(verifier: verifier.name)
            }
            for y in 0..<v where c.outputLaw[y] != 0 { law[y] += t.probability * c.outputLaw[y] }
            var inSet = 0.0
            for y in Set(t.tokens).sorted() { inSet += c.outputLaw[y] } // a fixed order (Set's varies by process)
            member += t.probability * inSet
            coin += t.probability * c.coinAcceptance
        }
        self.outputLaw = law
        self.membershipAcceptance = member
        self.coinAcceptance = coin
        self.tupleCount = tuples.count
    }
}
