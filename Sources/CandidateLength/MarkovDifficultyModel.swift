import CLAPACKE
import Foundation

/// Markov-difficulty extension of the IAP model, observed-state variant (candidate-length.md §8; not from a paper).
///
/// Token difficulty Z_k ∈ {0..S−1} follows a Markov chain with transition matrix P; each round starts afresh from
/// the initial law μ (i.i.d. rounds); a_k | Z_k ~ D_{Z_k} (finite supports); the drafter observes (a_k, Z_k).
///
/// ```
/// W_{K_max} ≡ 0,  W_k(c, z) = max{0, Σ_{z'} P(z,z') Σ_m D_{z'}(v_m)(−t_d + λ π(c) v_m + W_{k+1}(c + e_m, z'))}
/// W_0 = max{0, Σ_{z'} μ(z') Σ_m D_{z'}(v_m)(−t_d + λ v_m + W_1(e_m, z'))},   g(λ) = λ − t_t + W_0,  λ* = root of g
/// ```
///
/// E[a_{k+1} | F_k] can rise (the chain may move to an easy state), so the stopping problem is not monotone and a
/// single threshold on P_rej need not be optimal. States: one start state plus (c, z) for 1 ≤ |c| < K_max, i.e.
/// 1 + S (C(K_max−1+M, M) − 1) decision states for M distinct support values in total.
public struct MarkovDifficultyModel: Sendable {
    public let laws: [AcceptanceLaw]
    public let transition: [[Double]]
    public let initial: [Double]
    public let cost: CostModel
    public let maxLength: Int
    /// The union of the supports, increasing, and D_z over it.
    public let values: [Double]
    let stateWeights: [[Double]]
    let lattice: CountLattice
    let products: [[Double]]
    /// offset[k] = index of the first decision state of level k (k = 1..K_max−1); level 0 is state 0.
    let offset: [Int]
    /// The number of decision states (unknowns of the policy-evaluation system).
    public let stateCount: Int

    /// Largest dense policy-evaluation system accepted.
    public static let defaultStateLimit = 4_000

    public init(
        laws: [AcceptanceLaw], transition: [[Double]], initial: [Double], cost: CostModel, maxLength: Int,
        stateLimit: Int = MarkovDifficultyModel.defaultStateLimit
    ) throws {
        let s = laws.count
        let union = try validateMarkovDifficulty(
            laws: laws, transition: transition, initial: initial, maxLength: maxLength)
        let m = union.count
        var levelCounts = 0.0
        for k in 1..<maxLength { levelCounts += CountLattice.size(dimension: m - 1, maxLength: k) } // C(k+M−1, M−1)
        let estimated = 1 + Double(s) * levelCounts
        guard estimated <= Double(stateLimit) else {
            throw CandidateLengthError.stateSpaceTooLarge(states: estimated, limit: stateLimit)
        }
        self.laws = laws
        self.transition = transition
        self.initial = initial
        self.cost = cost
        self.maxLength = maxLength
        self.values = union
        self.stateWeights = laws.map { law in
            union.map { v in law.values.firstIndex(of: v).map { law.weights[$0] } ?? 0 }
        }
        self.lattice = try CountLattice(dimension: m, maxLength: maxLength, limit: 3_000_000)
        self.products = lattice.products(of: union)
        var offset = [Int](repeating: 0, count: maxLength + 1)
        var next = 1
        for k in 1..<maxLength {
            offset[k] = next
            next += lattice.levels[k].count * s
        }
        offset[maxLength] = next
        self.offset = offset
        self.stateCount = next
    }

    var stateNumber: Int { laws.count }

    /// Decision-state index of (k, lattice index i, z); level 0 is the single start state 0.
    @inline(__always)
    func index(_ k: Int, _ i: Int, _ z: Int) -> Int { k == 0 ? 0 : offset[k] + i * stateNumber + z }

    /// Visits the successors of decision state (k, i, z): (probability, level-(k+1) lattice index, z').
    @inline(__always)
    func forEachSuccessor(_ k: Int, _ i: Int, _ z: Int, _ body: (Double, Int, Int) -> Void) {
        let links = lattice.child[k][i]
        for z2 in 0..<stateNumber {
            let t = k == 0 ? initial[z2] : transition[z][z2]
            if t == 0 { continue }
            let w = stateWeights[z2]
            for j in 0..<values.count where w[j] > 0 { body(t * w[j], links[j], z2) }
        }
    }

    /// Calls `body(k, i, z)` for every decision state.
    func forEachState(_ body: (Int, Int, Int) -> Void) {
        body(0, 0, 0)
        for k in 1..<maxLength {
            for i in 0..<lattice.levels[k].count { for z in 0..<stateNumber { body(k, i, z) } }
        }
    }

    // MARK: policies

    /// A state-dependent threshold policy: after drafting k ≥ max(1, k_min) tokens with the last in state z,
    /// stop iff 1 − π_k ≥ thresholds[z]; always stop at K_max; the start state always drafts.
    public func thresholdPolicy(thresholds: [Double], minLength: Int = 1) throws -> [Bool] {
        guard thresholds.count == stateNumber, thresholds.allSatisfy({ !$0.isNaN }) else {
            throw CandidateLengthError.invalidMarkovModel("give one threshold per difficulty state (\(stateNumber))")
        }
        var policy = [Bool](repeating: true, count: stateCount)
        forEachState { k, i, z in
            if k >= max(1, minLength), 1 - products[k][i] >= thresholds[z] { policy[index(k, i, z)] = false }
        }
        return policy
    }

    /// Expected (E_A, E_K) from every decision state under a stop/continue policy (true = continue), by solving
    /// (I − M) x = b for both right-hand sides with LAPACK `dgesv` (dense LU, O(n³) for n decision states).
    public func evaluateWithLAPACK(_ policy: [Bool]) throws -> (accepted: [Double], length: [Double]) {
        let n = stateCount
        var a = [Double](repeating: 0, count: n * n)
        var b = [Double](repeating: 0, count: n * 2) // row-major n×2: [E_A, E_K]
        for s in 0..<n { a[s * n + s] = 1 }
        forEachState { k, i, z in
            let s = index(k, i, z)
            guard policy[s] else { return }
            forEachSuccessor(k, i, z) { pr, c2, z2 in
                b[2 * s] += pr * products[k + 1][c2]
                b[2 * s + 1] += pr
                if k + 1 < maxLength { a[s * n + index(k + 1, c2, z2)] -= pr }
            }
        }
        var pivots = [Int32](repeating: 0, count: n)
        let info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, Int32(n), 2, &a, Int32(n), &pivots, &b, 2)
        guard info == 0 else { throw CandidateLengthError.lapackFailure(routine: "dgesv", info: info) }
        return ((0..<n).map { b[2 * $0] }, (0..<n).map { b[2 * $0 + 1] })
    }

    /// The same expectations by backward induction over levels (a direct method, O(n · S · M)): the cross-check.
    public func evaluateByInduction(_ policy: [Bool]) -> (accepted: [Double], length: [Double]) {
        var ea = [Double](repeating: 0, count: stateCount), ek = ea
        for k in stride(from: maxLength - 1, through: 0, by: -1) {
            for i in 0..<lattice.levels[k].count {
                for z in 0..<(k == 0 ? 1 : stateNumber) {
                    let s = index(k, i, z)
                    guard policy[s] else { continue }
                    var xa = 0.0, xk = 0.0
                    forEachSuccessor(k, i, z) { pr, c2, z2 in
                        xa += pr * products[k + 1][c2]
                        xk += pr
                        if k + 1 < maxLength { let t = index(k + 1, c2, z2); xa += pr * ea[t]; xk += pr * ek[t] }
                    }
                    ea[s] = xa
                    ek[s] = xk
                }
            }
        }
        return (ea, ek)
    }

    /// Long-run statistics of a policy from its start-state expectations.
    func statistics(accepted: [Double], length: [Double]) -> RoundStatistics {
        RoundStatistics(expectedLength: length[0], expectedAccepted: accepted[0], cost: cost)
    }

    /// Exact statistics of a policy (dgesv).
    public func evaluate(_ policy: [Bool]) throws -> RoundStatistics {
        let x = try evaluateWithLAPACK(policy)
        return statistics(accepted: x.accepted, length: x.length)
    }

    // MARK: optimum

    /// W_0(λ) and the greedy (optimal) policy at λ, by backward induction.
    public func roundValue(lambda: Double) -> (value: Double, policy: [Bool]) {
        var w = [Double](repeating: 0, count: stateCount)
        var policy = [Bool](repeating: false, count: stateCount)
        for k in stride(from: maxLength - 1, through: 0, by: -1) {
            for i in 0..<lattice.levels[k].count {
                for z in 0..<(k == 0 ? 1 : stateNumber) {
                    let s = index(k, i, z)
                    var q = 0.0
                    forEachSuccessor(k, i, z) { pr, c2, z2 in
                        q +=
                            pr
                            * (-cost.draftTime + lambda * products[k + 1][c2]
                                + (k + 1 < maxLength ? w[index(k + 1, c2, z2)] : 0))
                    }
                    w[s] = max(0, q)
                    policy[s] = q > 0
                }
            }
        }
        return (w[0], policy)
    }

    /// λ* by Dinkelbach bisection on g(λ) = λ − t_t + W_0(λ); the witness is the greedy policy at λ*.
    public func optimum() throws -> (timePerToken: Double, policy: [Bool], statistics: RoundStatistics) {
        let hi = dinkelbachRoot(targetTime: cost.targetTime) { roundValue(lambda: $0).value }.root
        let policy = roundValue(lambda: hi).policy
        return (hi, policy, try evaluate(policy))
    }

    /// Dinkelbach policy iteration: evaluate the policy with dgesv, set λ to its time per token, improve greedily
    /// against its values V = λ E_A − t_d E_K (switch only on a strict gain > 1e-12), until stable.
    /// Starts from "always draft K_max". Returns λ, the policy and the number of iterations.
    public func policyIteration(
        maxIterations: Int = 100
    ) throws -> (timePerToken: Double, policy: [Bool], iterations: Int) {
        var policy = [Bool](repeating: true, count: stateCount)
        for iteration in 1...maxIterations {
            let x = try evaluateWithLAPACK(policy)
            let lambda = statistics(accepted: x.accepted, length: x.length).timePerToken
            var changed = false
            forEachState { k, i, z in
                let s = index(k, i, z)
                var q = 0.0
                forEachSuccessor(k, i, z) { pr, c2, z2 in
                    var v = 0.0
                    if k + 1 < maxLength {
                        let t = index(k + 1, c2, z2); v = lambda * x.accepted[t] - cost.draftTime * x.length[t]
                    }
                    q += pr * (-cost.draftTime + lambda * products[k + 1][c2] + v)
                }
                if policy[s], q < -1e-12 { policy[s] = false; changed = true }
                if !policy[s], q > 1e-12 { policy[s] = true; changed = true }
            }
            if !changed { return (lambda, policy, iteration) }
        }
        throw CandidateLengthError.invalidSimulation("policy iteration did not converge in \(maxIterations) iterations")
    }

    /// Whether one threshold on P_rej is optimal: the best single threshold and the best state-dependent
    /// thresholds on `grid` (S ≤ 3 for the latter) against the DP optimum λ*.
    public func thresholdReport(grid: [Double]) throws -> MarkovThresholdReport {
        let opt = try optimum()
        func time(_ hs: [Double]) throws -> Double {
            let x = evaluateByInduction(try thresholdPolicy(thresholds: hs))
            return statistics(accepted: x.accepted, length: x.length).timePerToken
        }
        var bestSingle = (threshold: grid[0], time: Double.infinity)
        for h in grid {
            let t = try time([Double](repeating: h, count: stateNumber))
            if t < bestSingle.time * (1 - 1e-15) { bestSingle = (h, t) }
        }
        var bestState = (
            thresholds: [Double](repeating: bestSingle.threshold, count: stateNumber), time: bestSingle.time
        )
        if stateNumber <= 3 {
            var hs = [Int](repeating: 0, count: stateNumber)
            outer: while true {
                let t = try time(hs.map { grid[$0] })
                if t < bestState.time * (1 - 1e-15) { bestState = (hs.map { grid[$0] }, t) }
                var d = 0
                while d < stateNumber {
                    hs[d] += 1
                    if hs[d] < grid.count { continue outer }
                    hs[d] = 0
                    d += 1
                }
                break
            }
        }
        return MarkovThresholdReport(
            optimalTimePerToken: opt.timePerToken, bestSingleThreshold: bestSingle.threshold,
            bestSingleTimePerToken: bestSingle.time, bestStateThresholds: bestState.thresholds,
            bestStateTimePerToken: bestState.time)
    }
}

/// Single threshold versus the optimum in a Markov-difficulty model.
public struct MarkovThresholdReport: Sendable {
    public let optimalTimePerToken: Double
    public let bestSingleThreshold: Double
    public let bestSingleTimePerToken: Double
    public let bestStateThresholds: [Double]
    public let bestStateTimePerToken: Double
    /// (best single − λ*) / λ*: the relative loss of the best single threshold on the grid.
    public var singleThresholdLoss: Double { bestSingleTimePerToken / optimalTimePerToken - 1 }
    /// True when the best single threshold on the grid attains λ* (to 1e-9 relative).
    public var singleThresholdIsOptimal: Bool { singleThresholdLoss <= 1e-9 }
}
