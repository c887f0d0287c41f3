import Foundation

/// Fixed candidate length under i.i.d. per-position acceptance rate α (Leviathan, Kalman & Matias,
/// "Fast Inference from Transformers via Speculative Decoding", 2023, arXiv 2211.17192, §3).
///
/// ```
/// P[G = j] = α^{j−1}(1−α)  (j = 1..γ),   P[G = γ+1] = α^γ
/// E[G]  = (1 − α^{γ+1}) / (1 − α)         (γ + 1 at α = 1)
/// E[A]  = Σ_{j=1..γ} α^j
/// f(γ)  = E[G] / (γ c + 1)                 (walltime improvement, Theorem 3.8; f(0) = 1)
/// f(γ+1) > f(γ)  ⇔  α^{γ+1} > c f(γ)     (f is unimodal, so scan and stop at the first failure)
/// h*    = 1 − c f(K*) / α                  (threshold on P_rej(k) = 1 − α^k that reproduces K*)
/// ```
///
/// Valid ranges: α ∈ [0, 1], c > 0, γ ≥ 0. All functions are O(γ) or O(1).
public enum Leviathan {
    /// E[G] = (1 − α^{γ+1})/(1 − α): tokens per round including the correction or bonus token.
    public static func expectedTokens(alpha: Double, length: Int) throws -> Double {
        try requireProbability(alpha, "alpha")
        try requireLength(length)
        return expectedTokensUnchecked(alpha: alpha, length: length)
    }

    /// E[G] as a sum Σ_{j=0..γ} α^j (exact at α = 1, no cancellation near α = 1).
    static func expectedTokensUnchecked(alpha: Double, length: Int) -> Double {
        if alpha >= 1 { return Double(length + 1) }
        return (1 - pow(alpha, Double(length + 1))) / (1 - alpha)
    }

    /// E[A] = α(1 − α^γ)/(1 − α): accepted draft tokens per round.
    public static func expectedAccepted(alpha: Double, length: Int) throws -> Double {
        try expectedTokens(alpha: alpha, length: length) - 1
    }

    /// E[G²] = Σ_{j=1..γ} j² α^{j−1}(1−α) + (γ+1)² α^γ (for Monte-Carlo tolerances).
    public static func secondMomentTokens(alpha: Double, length: Int) throws -> Double {
        try requireProbability(alpha, "alpha")
        try requireLength(length)
        var s = 0.0
        for j in stride(from: 1, through: length, by: 1) {
            s += Double(j * j) * pow(alpha, Double(j - 1)) * (1 - alpha)
        }
        return s + Double((length + 1) * (length + 1)) * pow(alpha, Double(length))
    }

    /// The walltime improvement factor f(γ) = (1 − α^{γ+1}) / ((1 − α)(γc + 1)), f(0) = 1.
    public static func improvementFactor(alpha: Double, cost: Double, length: Int) throws -> Double {
        try requireProbability(alpha, "alpha")
        try requirePositiveCost(cost, "cost ratio c")
        try requireLength(length)
        return improvementUnchecked(alpha: alpha, cost: cost, length: length)
    }

    static func improvementUnchecked(alpha: Double, cost: Double, length: Int) -> Double {
        expectedTokensUnchecked(alpha: alpha, length: length) / (Double(length) * cost + 1)
    }

    /// Arithmetic-operations factor (Theorem 3.11): (1 − α)(γĉ + γ + 1)/(1 − α^{γ+1}).
    public static func arithmeticFactor(alpha: Double, operationsRatio: Double, length: Int) throws -> Double {
        try requireProbability(alpha, "alpha")
        try requirePositiveCost(operationsRatio, "operations ratio")
        try requireLength(length)
        return (Double(length) * operationsRatio + Double(length) + 1)
            / expectedTokensUnchecked(alpha: alpha, length: length)
    }

    /// The best fixed γ* = argmax f by the unimodal scan: γ = 0, 1, … until α^{γ+1} > c f(γ) first fails
    /// (or `maxLength` is reached). γ* = 0 iff α ≤ c.
    ///
    /// Complexity O(γ*). `maxLength` defaults to 10 000 (α = 1 never fails the rule, so the cap binds).
    public static func bestLength(
        alpha: Double, cost: Double, maxLength: Int = 10_000
    ) throws
        -> (length: Int, improvement: Double)
    {
        try requireProbability(alpha, "alpha")
        try requirePositiveCost(cost, "cost ratio c")
        guard maxLength >= 1 else {
            throw CandidateLengthError.invalidLength(name: "max length", value: maxLength, detail: "must be >= 1")
        }
        var gamma = 0
        var f = 1.0
        while gamma < maxLength, pow(alpha, Double(gamma + 1)) > cost * f {
            gamma += 1
            f = improvementUnchecked(alpha: alpha, cost: cost, length: gamma)
        }
        return (gamma, f)
    }

    /// h* = 1 − c f(K*)/α: the threshold on P_rej(k) = 1 − α^k whose stopping rule is the best fixed length
    /// (candidate-length.md §6.4). Returns 0 when α = 0.
    public static func threshold(alpha: Double, cost: Double, maxLength: Int = 10_000) throws -> Double {
        let best = try bestLength(alpha: alpha, cost: cost, maxLength: maxLength)
        guard alpha > 0 else { return 0 }
        return 1 - cost * best.improvement / alpha
    }

    /// K(h) = min(K_max, max(k_min, ⌈log(1−h)/log α⌉)) for constant acceptance α: the length that the rule
    /// "stop at the first k ≥ k_min with 1 − α^k ≥ h" drafts. Found by direct scan of 1 − α^k ≥ h, so integer
    /// boundaries are exact up to a relative slack of 1e-12 on h (ties stop).
    ///
    /// Edge cases: h ≤ 0 gives k_min; α = 1 or h ≥ 1 (no stop unless α^k = 0) gives K_max unless α = 0.
    public static func length(forThreshold h: Double, alpha: Double, minLength: Int = 1, maxLength: Int) throws -> Int {
        try requireProbability(alpha, "alpha")
        guard !h.isNaN else { throw CandidateLengthError.invalidThreshold(h) }
        guard maxLength >= 1 else {
            throw CandidateLengthError.invalidLength(name: "max length", value: maxLength, detail: "must be >= 1")
        }
        guard minLength >= 0, minLength <= maxLength else {
            throw CandidateLengthError.invalidLength(
                name: "min length", value: minLength, detail: "must be in 0...max length")
        }
        var k = max(minLength, 0)
        var power = pow(alpha, Double(k))
        while k < maxLength {
            if k >= max(minLength, 1), 1 - power >= h - 1e-12 { return k }
            k += 1
            power *= alpha
        }
        return maxLength
    }

    static func requireLength(_ length: Int) throws {
        guard length >= 0 else {
            throw CandidateLengthError.invalidLength(name: "length", value: length, detail: "must be >= 0")
        }
    }
}
