/// A threshold stopping rule on the cumulative rejection probability P_rej(k) = 1 − Π â_i
/// (SpecDec++: Huang, Guo & Wang 2024, arXiv 2405.19715; candidate-length.md §5, §9, §10).
///
/// ```
/// idealised:  after drafting k tokens, stop iff k ≥ K_max, or k ≥ k_min and 1 − Π_{i≤k} â_i ⋈ h
/// lagged:     after drafting k tokens, stop iff k ≥ K_max, or k ≥ k_min and 1 − Π_{i<k} â_i ⋈ h
///             (the authors' code: the head output for Y_k arrives one pass late, so Y_k is submitted anyway)
/// ⋈ ∈ {≥, >},   â = head(a):  oracle â = a,   weighted â = a / (a + w(1 − a))
/// ```
///
/// The comparison is taken literally: "≥" with h ≤ 0 stops at the first allowed k; ">" with h ≥ 1 never stops
/// early. Pass h > 1 with "≥" for "never stop early" as well.
public struct ThresholdRule: Sendable, Hashable {
    /// The comparison ⋈.
    public enum Comparison: String, Sendable, Hashable {
        case atLeast = "ge"
        case greaterThan = "gt"
    }

    /// Whether the statistic includes the token just drafted (idealised) or lags by one (as coded).
    public enum Timing: String, Sendable, Hashable {
        case idealised
        case lagged
    }

    /// The threshold h.
    public var threshold: Double
    public var comparison: Comparison
    public var timing: Timing
    /// k_min: the rule may not stop before this many drafts (0 allows a zero-draft round when the rule fires at k = 0).
    public var minLength: Int
    /// K_max: forced stop.
    public var maxLength: Int
    public var head: AcceptanceHead

    public init(
        threshold: Double, comparison: Comparison = .atLeast, timing: Timing = .idealised,
        minLength: Int = 1, maxLength: Int, head: AcceptanceHead = .oracle
    ) throws {
        guard !threshold.isNaN else { throw CandidateLengthError.invalidThreshold(threshold) }
        guard maxLength >= 1 else {
            throw CandidateLengthError.invalidLength(name: "max length", value: maxLength, detail: "must be >= 1")
        }
        guard minLength >= 0, minLength <= maxLength else {
            throw CandidateLengthError.invalidLength(
                name: "min length", value: minLength, detail: "must be in 0...\(maxLength)")
        }
        if case .weighted(let w) = head, !(w.isFinite && w > 0) { throw CandidateLengthError.invalidHeadWeight(w) }
        self.threshold = threshold
        self.comparison = comparison
        self.timing = timing
        self.minLength = minLength
        self.maxLength = maxLength
        self.head = head
    }

    /// The rule as coded by the SpecDec++ authors: lagged, strict ">", bounds (k_min, K_max) = (2, 20).
    public static func asCoded(
        threshold: Double, minLength: Int = 2, maxLength: Int = 20,
        head: AcceptanceHead = .oracle
    ) throws -> ThresholdRule {
        try ThresholdRule(
            threshold: threshold, comparison: .greaterThan, timing: .lagged,
            minLength: minLength, maxLength: maxLength, head: head)
    }

    /// Whether the statistic fires.
    @inline(__always)
    public func fires(_ statistic: Double) -> Bool {
        comparison == .atLeast ? statistic >= threshold : statistic > threshold
    }

    /// The stop decision after drafting k tokens, given Π_{i≤k} â_i and Π_{i<k} â_i.
    @inline(__always)
    public func stops(afterDrafting k: Int, productIncluding: Double, productExcluding: Double) -> Bool {
        if k >= maxLength { return true }
        if k < minLength { return false }
        return fires(1 - (timing == .idealised ? productIncluding : productExcluding))
    }
}

/// The acceptance-prediction head that turns the true acceptance probability a into the estimate â the rule uses
/// (candidate-length.md §9). The weighted head is the population minimiser of the class-weighted soft BCE with
/// rejection weight w: σ* = y/(y + w(1 − y)).
public enum AcceptanceHead: Sendable, Hashable {
    case oracle
    case weighted(Double)

    @inline(__always)
    public func estimate(_ a: Double) -> Double {
        switch self {
        case .oracle: return a
        case .weighted(let w):
            let d = a + w * (1 - a)
            return d > 0 ? a / d : 0
        }
    }
}

/// A per-round stopping policy for evaluation and simulation.
public enum StoppingPolicy: Sendable, Hashable {
    /// Draft exactly K tokens every round.
    case fixed(Int)
    /// A threshold rule on the cumulative rejection probability.
    case threshold(ThresholdRule)
    /// Hindsight oracle (not implementable; a reference): knows which drafts will be accepted, drafts exactly the
    /// accepted run (capped at `maxLength`) and never drafts a token that would be rejected, so r_discard = 0.
    /// At the would-be rejection it emits the usual correction token, so the output law is still p.
    case hindsightOracle(maxLength: Int)

    /// A short name for tables.
    public var name: String {
        switch self {
        case .fixed: return "fixed"
        case .threshold(let r): return r.timing == .lagged ? "threshold_lagged" : "threshold"
        case .hindsightOracle: return "hindsight_oracle"
        }
    }
}
