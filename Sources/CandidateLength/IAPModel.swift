import Foundation

/// The exactly solvable "IAP" model (i.i.d. observed acceptance probabilities; candidate-length.md §6, not from a
/// paper): each drafted token has acceptance probability a ~ D i.i.d., the drafter sees a (through a head) before
/// deciding, the verifier accepts token i iff U_i < a_i with fresh U_i, and a round drafts at most K_max tokens.
///
/// ```
/// time per token (renewal-reward) = E[K t_d + t_t] / E[A + 1],    E[A | a_1..a_K] = Σ_{j≤K} π_j,  π_j = Π_{i≤j} a_i
/// ```
///
/// Exact algorithms: ``evaluate(_:)`` (any policy), ``optimum()`` (Dinkelbach bisection + backward induction).
/// The count-vector lattice has C(K_max + M, M) states for M support values.
public struct IAPModel: Sendable {
    public let law: AcceptanceLaw
    public let cost: CostModel
    public let maxLength: Int
    let lattice: CountLattice
    /// π(c) for every lattice vector.
    let products: [[Double]]

    /// Default cap on the count-vector lattice size C(K_max + M, M).
    public static let defaultStateLimit = 3_000_000

    public init(
        law: AcceptanceLaw, cost: CostModel, maxLength: Int, stateLimit: Int = IAPModel.defaultStateLimit
    ) throws {
        guard maxLength >= 1 else {
            throw CandidateLengthError.invalidLength(name: "max length", value: maxLength, detail: "must be >= 1")
        }
        self.law = law
        self.cost = cost
        self.maxLength = maxLength
        self.lattice = try CountLattice(dimension: law.supportSize, maxLength: maxLength, limit: stateLimit)
        self.products = lattice.products(of: law.values)
    }

    // MARK: fixed length and hindsight oracle

    /// Fixed K: E[A] = Σ_{j=1..K} ā^j, E[K] = K. Depends on D only through ā (Leviathan with α = ā). O(K).
    public func evaluateFixed(length: Int) throws -> RoundStatistics {
        guard length >= 0 else {
            throw CandidateLengthError.invalidLength(name: "length", value: length, detail: "must be >= 0")
        }
        let a = law.mean
        var ea = 0.0, power = 1.0
        for _ in 0..<length { power *= a; ea += power }
        return RoundStatistics(expectedLength: Double(length), expectedAccepted: ea, cost: cost)
    }

    /// The best fixed K in 0…K_max (smallest K on ties) and its statistics.
    public func bestFixedLength() -> (length: Int, statistics: RoundStatistics) {
        var best = (length: 0, statistics: try! evaluateFixed(length: 0))
        for k in stride(from: 1, through: maxLength, by: 1) {
            let s = try! evaluateFixed(length: k)
            if s.timePerToken < best.statistics.timePerToken { best = (k, s) }
        }
        return best
    }

    /// Hindsight oracle capped at L: K = A, P(A ≥ j) = ā^j, so E[K] = E[A] = Σ_{j=1..L} ā^j and r_discard = 0.
    public func evaluateHindsightOracle(maxLength cap: Int) throws -> RoundStatistics {
        let s = try evaluateFixed(length: cap)
        return RoundStatistics(expectedLength: s.expectedAccepted, expectedAccepted: s.expectedAccepted, cost: cost)
    }

    // MARK: threshold rules (count-vector frontier)

    /// Exact E[K], E[A] of a threshold rule by pushing probability mass forward over the count-vector lattice.
    ///
    /// ```
    /// for k = 1..K_max: for each alive c at level k−1 with mass pr: E_K += pr; for each m: c' = c + e_m,
    ///   E_A += pr w_m π(c');  continue with mass pr w_m unless the rule stops at (k, π̂(c'), π̂(c))
    /// ```
    /// Complexity O(M · C(K_max+M, M)). The rule's K_max must not exceed the model's.
    public func evaluate(_ rule: ThresholdRule) throws -> RoundStatistics {
        guard rule.maxLength <= maxLength else {
            throw CandidateLengthError.invalidLength(
                name: "rule max length", value: rule.maxLength,
                detail: "exceeds the model's max length \(maxLength)")
        }
        let m = law.supportSize
        let hatValues = law.values.map { rule.head.estimate($0) }
        let hatProducts = lattice.products(of: hatValues)
        // k = 0: the rule may stop before drafting (only possible with k_min = 0).
        if rule.minLength == 0, rule.fires(0) {
            return RoundStatistics(expectedLength: 0, expectedAccepted: 0, cost: cost)
        }
        var alive = [Double](repeating: 0, count: 1)
        alive[0] = 1
        var ek = 0.0, ea = 0.0
        for k in 1...rule.maxLength {
            var next = [Double](repeating: 0, count: lattice.levels[k].count)
            var any = false
            for (i, pr) in alive.enumerated() where pr > 0 {
                ek += pr
                let links = lattice.child[k - 1][i]
                let previous = hatProducts[k - 1][i]
                for j in 0..<m {
                    let c2 = links[j]
                    let pm = pr * law.weights[j]
                    ea += pm * products[k][c2]
                    if !rule.stops(afterDrafting: k, productIncluding: hatProducts[k][c2], productExcluding: previous) {
                        next[c2] += pm
                        any = true
                    }
                }
            }
            if !any { break }
            alive = next
        }
        return RoundStatistics(expectedLength: ek, expectedAccepted: ea, cost: cost)
    }

    /// Exact statistics of any ``StoppingPolicy``.
    public func evaluate(policy: StoppingPolicy) throws -> RoundStatistics {
        switch policy {
        case .fixed(let k): return try evaluateFixed(length: k)
        case .threshold(let rule): return try evaluate(rule)
        case .hindsightOracle(let cap): return try evaluateHindsightOracle(maxLength: cap)
        }
    }

    /// The best threshold on a grid (smallest h attaining the minimum time per token, relative slack 1e-15),
    /// for rules built by `makeRule(h)`.
    public func bestThreshold(
        grid: [Double], makeRule: (Double) throws -> ThresholdRule
    ) throws
        -> (threshold: Double, statistics: RoundStatistics)
    {
        var best: (threshold: Double, statistics: RoundStatistics)? = nil
        for h in grid {
            let s = try evaluate(try makeRule(h))
            if best == nil || s.timePerToken < best!.statistics.timePerToken * (1 - 1e-15) { best = (h, s) }
        }
        guard let best else { throw CandidateLengthError.invalidThreshold(.nan) }
        return best
    }
}

/// The optimal stopping policy of an IAP model: value λ* and its witness, the threshold rule at h*.
public struct IAPOptimum: Sendable {
    /// λ*: the minimal long-run time per token over all (history-dependent) policies.
    public let timePerToken: Double
    /// t_t / λ*.
    public let speedup: Double
    /// h* = 1 − t_d/(λ* ā) (−∞ when ā = 0).
    public let threshold: Double
    /// Δ = ā λ* − t_t: the SpecDec++ constant in this model (typically negative).
    public let delta: Double
    /// The witness: the idealised "≥" rule at h* − 1e-12 with k_min = 0 (ties stop), and its exact statistics.
    public let rule: ThresholdRule
    public let statistics: RoundStatistics
    /// Bisection steps used.
    public let iterations: Int
}

extension IAPModel {
    /// W_0(λ) = max E[λ A − K t_d] over stopping rules, by backward induction on the lattice:
    ///
    /// ```
    /// W_{K_max} ≡ 0,   W_k(c) = max{0, Σ_m w_m (−t_d + λ π(c) v_m + W_{k+1}(c + e_m))}
    /// ```
    /// O(M · C(K_max+M, M)).
    public func roundValue(lambda: Double) -> Double {
        let m = law.supportSize
        var upper = [Double](repeating: 0, count: lattice.levels[maxLength].count)
        for k in stride(from: maxLength - 1, through: 0, by: -1) {
            let level = lattice.levels[k]
            var current = [Double](repeating: 0, count: level.count)
            for i in 0..<level.count {
                let links = lattice.child[k][i]
                var s = 0.0
                for j in 0..<m {
                    s += law.weights[j] * (-cost.draftTime + lambda * products[k + 1][links[j]] + upper[links[j]])
                }
                current[i] = max(0, s)
            }
            upper = current
        }
        return upper[0]
    }

    /// λ* as the root of g(λ) = λ − t_t + W_0(λ) (increasing; g(0) < 0 ≤ g(t_t)) by bisection on (0, t_t],
    /// stopped when the bracket no longer shrinks (≤ 200 steps). The witness is the threshold rule at h*.
    ///
    /// Dinkelbach reduction: Dinkelbach, "On nonlinear fractional programming", Management Science 1967.
    public func optimum() -> IAPOptimum {
        let (lambda, steps) = dinkelbachRoot(targetTime: cost.targetTime) { roundValue(lambda: $0) }
        let mean = law.mean
        let h = mean > 0 ? 1 - cost.draftTime / (lambda * mean) : -Double.infinity
        let rule = try! ThresholdRule(
            threshold: h - 1e-12, comparison: .atLeast, timing: .idealised,
            minLength: 0, maxLength: maxLength)
        let stats = try! evaluate(rule)
        return IAPOptimum(
            timePerToken: lambda, speedup: cost.targetTime / lambda, threshold: h,
            delta: mean * lambda - cost.targetTime, rule: rule, statistics: stats, iterations: steps)
    }
}
