import MultidraftSupport
import Distributions

/// What one verification returned.
public struct VerificationOutcome: Sendable, Equatable {
    /// The output token Y.
    public var token: Int
    /// The index in the draft tuple whose accept test fired (a coin acceptance); nil when Y came from a residual.
    public var acceptedDraft: Int?

    public init(token: Int, acceptedDraft: Int?) {
        self.token = token
        self.acceptedDraft = acceptedDraft
    }
}

/// The verifier's output law given one draft tuple, analytic over the verifier's own randomness.
///
/// ```
/// outputLaw[y]   = P(Y = y ∣ x)
/// coinAcceptance = P(an accept test fires ∣ x)
/// ```
public struct ConditionalOutcome: Sendable {
    public var outputLaw: [Double]
    public var coinAcceptance: Double

    public init(outputLaw: [Double], coinAcceptance: Double) {
        self.outputLaw = outputLaw
        self.coinAcceptance = coinAcceptance
    }
}

/// A lossless multi-draft verifier: given drafts x from its draft law, it emits Y with law exactly the target p.
///
/// ```
/// Σ_x P_law(x) · P(Y = y ∣ x) = p(y)                       (losslessness)
/// membership acceptance = P(Y ∈ set(x)) ≤ alpha*(p, law)   (optimal transport bound)
/// coin acceptance       = P(acceptedDraft ≠ nil) ≤ membership acceptance
/// ```
///
/// Conforming types are value types initialised with `init(target:law:) throws`: construction validates the law and
/// precomputes every table (residuals, alias tables), so that ``verify(_:using:)`` costs O(n) expected per call.
/// Behaviour on tuples outside the law's support (probability 0) is total but unspecified.
///
/// Source: the theory notes (DocC catalog of `Multidraft`, <doc:Theory#Verifiers>); see each conforming type for its paper.
public protocol Verifier: Sendable {
    /// The command-line name.
    var name: String { get }
    /// The target distribution p.
    var target: Distribution { get }
    /// The draft law the verifier was built for.
    var law: DraftLaw { get }
    /// One verification of the drafted tuple `drafts` (in draw order), using `rng` for every coin and residual draw.
    func verify(_ drafts: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome
    /// Exact expected membership acceptance P(Y ∈ set(x)) from a closed form, if one exists.
    var exactAcceptance: Double? { get }
    /// P(Y = · ∣ drafts) analytically (small V), if provided.
    func conditionalOutcome(given drafts: [Int]) -> ConditionalOutcome?
    /// Implementation detail of `MonteCarlo.run(anyVerifier:)` (underscored: not part of the verifier contract;
    /// never implement it). Runs `count` Monte-Carlo trials: draws a tuple with `sampler` from `draftRNG`, verifies
    /// it with `verifyRNG`, and adds the outcome to `tally`. The default implementation is the toolkit's trial loop;
    /// because it is a requirement, every conforming type (also in a user's package) gets a copy specialised for it,
    /// which the Monte-Carlo engine reaches through the witness table.
    func _simulateTrials(
        _ count: Int, sampler: DraftSampler, draftRNG: inout Xoshiro256, verifyRNG: inout Xoshiro256,
        into tally: inout TrialTally)
}

/// The counts of a batch of Monte-Carlo trials.
public struct TrialTally: Sendable, Equatable {
    /// counts[y] = trials with output y.
    public var counts: [Int]
    /// Trials where an accept test fired.
    public var coin = 0
    /// Trials with Y ∈ set(x).
    public var member = 0

    public init(vocabularySize: Int) { counts = [Int](repeating: 0, count: vocabularySize) }

    /// Adds another tally (integer sums: the order of addition does not matter).
    public mutating func add(_ other: TrialTally) {
        coin += other.coin
        member += other.member
        for i in counts.indices { counts[i] += other.counts[i] }
    }
}

extension Verifier {
    public var exactAcceptance: Double? { nil }
    public func conditionalOutcome(given drafts: [Int]) -> ConditionalOutcome? { nil }

    @inlinable
    public func _simulateTrials(
        _ count: Int, sampler: DraftSampler, draftRNG: inout Xoshiro256, verifyRNG: inout Xoshiro256,
        into tally: inout TrialTally
    ) {
        var tuple = [Int](repeating: 0, count: law.drafts)
        // Local copies: the loop then updates a uniquely referenced array, not the caller's through `inout`.
        var counts = tally.counts, coin = tally.coin, member = tally.member
        tally.counts = []
        for _ in 0..<count {
            sampler.sample(into: &tuple, using: &draftRNG)
            let outcome = verify(tuple, using: &verifyRNG)
            counts[outcome.token] += 1
            if outcome.acceptedDraft != nil { coin += 1 }
            if tuple.contains(outcome.token) { member += 1 }
        }
        tally.counts = counts
        tally.coin = coin
        tally.member = member
    }
}
