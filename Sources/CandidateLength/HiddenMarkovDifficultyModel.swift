import Foundation

/// Markov-difficulty extension of the IAP model, hidden-state variant (candidate-length.md §8; not from a paper;
/// cost model and threshold rule from SpecDec++, Huang, Guo & Wang 2024, arXiv 2405.19715).
///
/// Difficulty Z_k ∈ {0..S−1} follows a Markov chain (transition P, law μ of Z_1 at the start of every round; rounds
/// i.i.d.); a_k | Z_k ~ D_{Z_k} (finite supports); the drafter observes a_1..a_k but never Z. With h = (a_1..a_k):
///
/// ```
/// filtered posterior   b_k(z)   = P(Z_k = z | a_1..a_k)                        (k ≥ 1; undefined at k = 0)
/// predictive law       ρ_{k+1}  = P(Z_{k+1} = · | a_1..a_k) = b_k P   (k ≥ 1),   ρ_1 = μ
/// next observation     P(a_{k+1} = v | h) = Σ_z ρ_{k+1}(z) D_z(v),   b_{k+1}(z) = ρ_{k+1}(z) D_z(a_{k+1}) / P(a_{k+1} | h)
/// one round at λ       W_{K_max} ≡ 0,   W_k(h) = max{0, λ π_k E[a_{k+1} | h] − t_d + Σ_v P(v | h) W_{k+1}(h v)}
/// Dinkelbach           g(λ) = λ − t_t + W_0(λ) increasing,  g(0) < 0 ≤ g(t_t),  λ* = its root (bisection)
/// ```
///
/// Histories are nodes of a tree; two histories of the same length are merged only when that is provably exact,
/// i.e. when they have the same counts (hence the same π_k) and the same posterior b_k for every parameter value:
/// - if every D_z is the same law, the observations carry no information about Z, so b_k = (μ P^{k−1}) and the
///   key is the count vector alone (this includes S = 1);
/// - otherwise, a support value v that only one state z can emit ("revealing") sets b_k = δ_z whatever came
///   before, so the key is (counts, last revealed state, the observations since it).
/// Without revealing values the tree has Σ_{k≤K_max} M^k nodes (M = size of the union of the supports); the
/// construction is O(nodes · M · S²) and each DP sweep O(nodes · M). Construction throws
/// ``CandidateLengthError/stateSpaceTooLarge(states:limit:)`` once the node count would exceed `stateLimit`.
///
/// Proven orderings (tested): λ*_observed ≤ λ*_hidden (the observed-state drafter can run any hidden-state policy),
/// λ*_hidden ≤ every single threshold and every fixed K (both are hidden-state policies). Equalities: with one
/// state or identical laws, λ*_hidden = λ*_IAP(D); with i.i.d. difficulty (every row of P equal to μ),
/// λ*_hidden = λ*_IAP(Σ_z μ_z D_z); with disjoint supports every observation reveals Z_k, so λ*_hidden = λ*_observed.
/// λ*_hidden ≤ λ*_IAP(mixture) is **not** claimed: correlated difficulty changes E[π_k] and the order can go either way.
public struct HiddenMarkovDifficultyModel: Sendable {
    public let laws: [AcceptanceLaw]
    public let transition: [[Double]]
    public let initial: [Double]
    public let cost: CostModel
    public let maxLength: Int
    /// The union of the supports, increasing; observations are indices into it.
    public let values: [Double]
    /// D_z over `values`: stateWeights[z][m] = D_z(values[m]).
    public let stateWeights: [[Double]]
    /// levels[k] = the nodes for histories of length k (k = 0…K_max).
    let levels: [[HistoryNode]]
    /// The total number of tree nodes.
    public let nodeCount: Int

    /// Default cap on the number of history nodes.
    public static let defaultStateLimit = 200_000

    /// One merged class of observation histories of length k.
    struct HistoryNode: Sendable {
        /// Counts of each support value (so π_k = Π_m v_m^{c_m}, computed from the counts).
        var counts: [Int]
        var product: Double
        /// The predictive law ρ_{k+1} of Z_{k+1} given the history.
        var predictive: [Double]
        /// P(a_{k+1} = values[m] | h) and the node index of h·m at level k+1 (−1 if that probability is 0).
        var nextProbability: [Double]
        var child: [Int]
        /// E[a_{k+1} | h].
        var nextMean: Double
    }

    public init(
        laws: [AcceptanceLaw], transition: [[Double]], initial: [Double], cost: CostModel, maxLength: Int,
        stateLimit: Int = HiddenMarkovDifficultyModel.defaultStateLimit
    ) throws {
        let s = laws.count
        let union = try validateMarkovDifficulty(
            laws: laws, transition: transition, initial: initial, maxLength: maxLength)
        let m = union.count
        let weights = laws.map { law in union.map { v in law.values.firstIndex(of: v).map { law.weights[$0] } ?? 0 } }
        // Exact merge rules (see the type documentation).
        let uninformative = weights.allSatisfy { $0 == weights[0] }
        let revealing: [Int?] = (0..<m).map { j in
            let emitters = (0..<s).filter { weights[$0][j] > 0 }
            return emitters.count == 1 ? emitters[0] : nil
        }
        func product(_ c: [Int]) -> Double {
            var p = 1.0
            for j in 0..<m where c[j] > 0 { p *= pow(union[j], Double(c[j])) }
            return p
        }
        func observationLaw(_ rho: [Double]) -> [Double] {
            (0..<m).map { j in (0..<s).reduce(0.0) { $0 + rho[$1] * weights[$1][j] } }
        }
        // Level 0: the empty history; ρ_1 = μ.
        var total = 1
        var levels: [[HistoryNode]] = [
            [
                HistoryNode(
                    counts: [Int](repeating: 0, count: m), product: 1, predictive: initial,
                    nextProbability: [], child: [], nextMean: 0)
            ]
        ]
        var keys: [[Int]] = [[]] // merge key per node of the current level
        for k in 0..<maxLength {
            var next: [HistoryNode] = []
            var nextKeys: [[Int]] = []
            var index: [[Int]: Int] = [:]
            for i in 0..<levels[k].count {
                let node = levels[k][i]
                let law = observationLaw(node.predictive)
                var children = [Int](repeating: -1, count: m)
                for j in 0..<m where law[j] > 0 {
                    var counts = node.counts
                    counts[j] += 1
                    let key: [Int]
                    if uninformative {
                        key = counts
                    } else if let z = revealing[j] {
                        key = counts + [z]
                    } else {
                        key = counts + (keys[i].isEmpty ? [-1] : Array(keys[i][m...])) + [j]
                    }
                    if let found = index[key] { children[j] = found; continue }
                    total += 1
                    guard total <= stateLimit else {
                        throw CandidateLengthError.stateSpaceTooLarge(states: Double(total), limit: stateLimit)
                    }
                    // b_{k+1} ∝ ρ_{k+1} · D(v_j); then ρ_{k+2} = b_{k+1} P.
                    let filtered = (0..<s).map { node.predictive[$0] * weights[$0][j] / law[j] }
                    let predictive = (0..<s).map { z2 in (0..<s).reduce(0.0) { $0 + filtered[$1] * transition[$1][z2] }
                    }
                    index[key] = next.count
                    children[j] = next.count
                    next.append(
                        HistoryNode(
                            counts: counts, product: product(counts), predictive: predictive,
                            nextProbability: [], child: [], nextMean: 0))
                    nextKeys.append(key)
                }
                levels[k][i].nextProbability = law
                levels[k][i].child = children
                levels[k][i].nextMean = zip(law, union).reduce(0) { $0 + $1.0 * $1.1 }
            }
            levels.append(next)
            keys = nextKeys
        }
        self.laws = laws
        self.transition = transition
        self.initial = initial
        self.cost = cost
        self.maxLength = maxLength
        self.values = union
        self.stateWeights = weights
        self.levels = levels
        self.nodeCount = total
    }

    /// π(c) = Π_m v_m^{c_m} for the counts of a history of support indices (the same arithmetic as the tree).
    public func product(ofHistory history: [Int]) -> Double {
        var counts = [Int](repeating: 0, count: values.count)
        for j in history { counts[j] += 1 }
        var p = 1.0
        for j in 0..<values.count where counts[j] > 0 { p *= pow(values[j], Double(counts[j])) }
        return p
    }

    // MARK: policies on the tree

    /// A stop/continue decision per tree node: `continues[k][i]` for the decision levels k = 0…K_max−1.
    public struct NodePolicy: Sendable, Hashable {
        public var continues: [[Bool]]
    }

    /// The idealised "≥" single-threshold rule with k_min = 1: the empty history drafts; after k ≥ 1 drafts, stop
    /// iff 1 − π_k ≥ h; always stop at K_max.
    public func thresholdPolicy(threshold h: Double) throws -> NodePolicy {
        guard !h.isNaN else { throw CandidateLengthError.invalidThreshold(h) }
        return NodePolicy(continues: (0..<maxLength).map { k in levels[k].map { k == 0 || !(1 - $0.product >= h) } })
    }

    /// The node policy as a function of the observation history (support indices; history.count < K_max).
    /// The tree is walked from the root, so the function costs O(k) per call.
    public func historyFunction(_ policy: NodePolicy) -> @Sendable ([Int]) -> Bool {
        let levels = self.levels
        return { history in
            var i = 0
            for (k, j) in history.enumerated() {
                i = levels[k][i].child[j]
                if i < 0 { return false } // a history of probability 0: never reached
            }
            return policy.continues[history.count][i]
        }
    }

    /// Exact (E[A], E[K]) of a node policy by backward induction over the tree, O(nodes · M):
    ///
    /// ```
    /// E_A(h) = Σ_v P(v | h)(π(h v) + E_A(h v)),   E_K(h) = 1 + Σ_v P(v | h) E_K(h v)   if h continues, else 0
    /// ```
    public func evaluate(_ policy: NodePolicy) throws -> RoundStatistics {
        guard policy.continues.count == maxLength,
            zip(policy.continues, levels).allSatisfy({ $0.count == $1.count })
        else {
            throw CandidateLengthError.invalidMarkovModel("node policy does not match the history tree")
        }
        var ea = [Double](repeating: 0, count: levels[maxLength].count), ek = ea
        for k in stride(from: maxLength - 1, through: 0, by: -1) {
            var xa = [Double](repeating: 0, count: levels[k].count), xk = xa
            for (i, node) in levels[k].enumerated() where policy.continues[k][i] {
                var a = 0.0, l = 1.0
                for (j, c) in node.child.enumerated() where c >= 0 {
                    let p = node.nextProbability[j]
                    a += p * (levels[k + 1][c].product + ea[c])
                    l += p * ek[c]
                }
                xa[i] = a
                xk[i] = l
            }
            ea = xa
            ek = xk
        }
        return RoundStatistics(expectedLength: ek[0], expectedAccepted: ea[0], cost: cost)
    }

    // MARK: optimum

    /// W_0(λ) and the greedy policy at λ (continue iff the continuation value is > 0), O(nodes · M).
    public func roundValue(lambda: Double) -> (value: Double, policy: NodePolicy) {
        var w = [Double](repeating: 0, count: levels[maxLength].count)
        var continues = [[Bool]](repeating: [], count: maxLength)
        for k in stride(from: maxLength - 1, through: 0, by: -1) {
            var current = [Double](repeating: 0, count: levels[k].count)
            var decide = [Bool](repeating: false, count: levels[k].count)
            for (i, node) in levels[k].enumerated() {
                var q = -cost.draftTime
                for (j, c) in node.child.enumerated() where c >= 0 {
                    q += node.nextProbability[j] * (lambda * levels[k + 1][c].product + w[c])
                }
                current[i] = max(0, q)
                decide[i] = q > 0
            }
            w = current
            continues[k] = decide
        }
        return (w[0], NodePolicy(continues: continues))
    }

    /// λ* by Dinkelbach bisection on g(λ) = λ − t_t + W_0(λ) over (0, t_t] (≤ 200 steps, until the bracket no longer
    /// shrinks); the witness is the greedy policy at the upper end, evaluated exactly.
    public func optimum() throws -> (timePerToken: Double, policy: NodePolicy, statistics: RoundStatistics) {
        let hi = dinkelbachRoot(targetTime: cost.targetTime) { roundValue(lambda: $0).value }.root
        let policy = roundValue(lambda: hi).policy
        return (hi, policy, try evaluate(policy))
    }

    /// The distinct values of P_rej = 1 − π_k over the decision nodes k = 1…K_max−1, increasing (values closer than
    /// 1e-12 are one value).
    func rejectionValues() -> [Double] {
        var all: [Double] = []
        for k in 1..<maxLength { for node in levels[k] { all.append(1 - node.product) } }
        all.sort()
        var out: [Double] = []
        for x in all where out.last.map({ x - $0 > 1e-12 }) ?? true { out.append(x) }
        return out
    }

    /// The exact best single threshold (idealised "≥", k_min = 1) against the optimum. Every distinct threshold
    /// policy is generated by one h in {0} ∪ {midpoints of consecutive distinct P_rej values} ∪ {2} (2 = never stop
    /// early), so the minimum over that finite set is the minimum over all h. O(#values · nodes · M).
    public func thresholdReport() throws -> HiddenMarkovThresholdReport {
        let opt = try optimum()
        let p = rejectionValues()
        var candidates: [Double] = [0]
        for i in 1..<max(1, p.count) { candidates.append(0.5 * (p[i - 1] + p[i])) }
        candidates.append(2)
        var best = (threshold: 0.0, time: Double.infinity)
        for h in candidates {
            let t = try evaluate(try thresholdPolicy(threshold: h)).timePerToken
            if t < best.time * (1 - 1e-15) { best = (h, t) }
        }
        return HiddenMarkovThresholdReport(
            optimalTimePerToken: opt.timePerToken, optimalStatistics: opt.statistics,
            bestSingleThreshold: best.threshold, bestSingleTimePerToken: best.time)
    }

    // MARK: blind policies

    /// E[π_j] for j = 1…K_max under the chain (forward recursion on α_j(z) = E[π_j ; Z_j = z]), O(K_max S² M).
    public func expectedProducts() -> [Double] {
        let s = laws.count
        let mean = stateWeights.map { zip($0, values).reduce(0) { $0 + $1.0 * $1.1 } }
        var alpha = (0..<s).map { initial[$0] * mean[$0] }
        var out = [alpha.reduce(0, +)]
        for _ in 1..<maxLength {
            alpha = (0..<s).map { z2 in (0..<s).reduce(0.0) { $0 + alpha[$1] * transition[$1][z2] } * mean[z2] }
            out.append(alpha.reduce(0, +))
        }
        return out
    }

    /// The best fixed K in 0…K_max (a policy that ignores the observations): E[A] = Σ_{j≤K} E[π_j].
    public func bestFixedLength() -> (length: Int, statistics: RoundStatistics) {
        let e = expectedProducts()
        var best = (length: 0, statistics: RoundStatistics(expectedLength: 0, expectedAccepted: 0, cost: cost))
        var ea = 0.0
        for k in 1...maxLength {
            ea += e[k - 1]
            let st = RoundStatistics(expectedLength: Double(k), expectedAccepted: ea, cost: cost)
            if st.timePerToken < best.statistics.timePerToken { best = (k, st) }
        }
        return best
    }
}

/// Best single threshold versus the optimum of a hidden-state Markov-difficulty model.
public struct HiddenMarkovThresholdReport: Sendable {
    public let optimalTimePerToken: Double
    public let optimalStatistics: RoundStatistics
    /// A representative h of the best threshold class (idealised "≥", k_min = 1).
    public let bestSingleThreshold: Double
    public let bestSingleTimePerToken: Double
    /// (best single − λ*) / λ*.
    public var singleThresholdLoss: Double { bestSingleTimePerToken / optimalTimePerToken - 1 }
    /// True when the best single threshold attains λ* (to 1e-9 relative).
    public var singleThresholdIsOptimal: Bool { singleThresholdLoss <= 1e-9 }
}
