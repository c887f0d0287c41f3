import Solvers
import MultidraftNumerics
import Distributions

extension SubsetObjective {
    /// Closes the bracket on min F for independent drafts, F(H) = p(H) − Π_i q_i(H), by contracting the ground set
    /// to the tokens a minimiser can still disagree on, then minimising exactly over what is left.
    ///
    /// Every step keeps min F over the current lattice {H : A ⊆ H ⊆ A ∪ R} (A forced in, R undecided) equal to
    /// min F over all sets:
    /// 1. **Base-polytope test** (Fujishige's contraction). For x ∈ B(F_R) with lower bound Σ min(0, x) and a set of
    ///    value `upper`, gap g = upper − Σ min(0, x): every minimiser H* has
    ///    x(H*) ≤ F(H*) ≤ upper, and x(H*) = Σ min(0, x) + Σ_{j∈H*, x_j>0} x_j + Σ_{j∉H*, x_j<0} |x_j|, so a token
    ///    with x_j > g is in no minimiser and a token with x_j < −g is in every minimiser.
    /// 2. **Marginal tests at the lattice's ends.** F is submodular, so a token's marginal F(j | S) only falls as S
    ///    grows: if F(j | A) ≤ 0, adding j never hurts and some minimiser contains it; if F(j | A ∪ R − j) ≥ 0,
    ///    removing j never hurts and some minimiser avoids it. Each decision narrows the lattice and sharpens the
    ///    next test, so the tests repeat until nothing moves. For independent drafts
    ///    F(j | S) = p_j − [Π_i (q_i(S) + q_ij) − Π_i q_i(S)], O(n) per token.
    /// 3. **Exact minimisation of the rest.** With at most `enumerationLimit` undecided tokens, every subset S of R
    ///    is evaluated (depth-first, partial sums of at most |R| terms): min F = min_S F(A ∪ S), exact up to the
    ///    rounding of the sums. Otherwise the minimum-norm-point algorithm runs on the contracted function
    ///    F_R(S) = F(A ∪ S) − F(A) (a smaller, better-conditioned problem) and step 1 repeats on its point.
    ///
    /// The decisions carry a relative margin of 1e-13 on each comparison, so rounding of the sums can only leave
    /// tokens undecided, never decide one wrongly.
    ///
    /// - Returns: nil when the law is not independent; else the bracket reached (`converged` when its gap is at
    ///   most `tolerance`), never worse than the starting one.
    /// - Complexity: O(|R| n) per marginal pass; 2^|R| · n for the enumeration (|R| ≤ `enumerationLimit`); the
    ///   restricted minimisations cost as in ``SubmodularMinimizer`` on |R| elements.
    func contractedMinimum(
        from start: SubmodularMinimizer.Result, tolerance: Double, maxIterations: Int,
        enumerationLimit: Int = 20, rounds: Int = 6
    ) -> CertifiedMinimum? {
        guard case .independent(let qs) = law.kind else { return nil }
        let n = qs.count, v = target.vocabularySize
        let p = target.probabilities
        let q = qs.map(\.probabilities)
        var inA = [Bool](repeating: false, count: v)
        // Undecided tokens (global indices), with the point x of the latest minimisation over them.
        var undecided = Array(0..<v)
        var point = start.point
        var lower = start.lower, upper = start.upper
        var bestSet = start.minimizer
        var iterations = start.iterations
        // Relative slack of the marginal tests (the sums over A and A ∪ R − j carry relative errors far below it),
        // absolute slack of the base-polytope test (x is a convex combination of vertices rounded to ~1e-16).
        let margin = 1e-10, slack = 1e-14
        // The lower bound proven by the current point: Σ min(0, x) plus F(A) of the lattice it was computed on.
        var pointLower = start.lower

        /// Compensated sums over a token list.
        func sums(_ tokens: [Int]) -> (p: Double, q: [Double]) {
            var sp = KahanSum()
            var sq = [KahanSum](repeating: KahanSum(), count: n)
            for t in tokens {
                sp.add(p[t])
                for i in 0..<n { sq[i].add(q[i][t]) }
            }
            return (sp.value, sq.map(\.value))
        }
        /// Π_i (base_i + q_i(t)) − Π_i base_i without cancellation (all terms ≥ 0).
        func increment(_ t: Int, over base: [Double]) -> Double {
            var d = 0.0, prod = 1.0
            for i in 0..<n {
                let di = q[i][t]
                d = (base[i] + di) * d + di * prod
                prod *= base[i]
            }
            return d
        }

        for _ in 0..<rounds {
            // 1. Base-polytope test on the current point (indexed like `undecided`).
            if upper - lower <= tolerance { break }
            let g = upper - pointLower
            var kept: [Int] = [], keptPoint: [Double] = []
            for (k, t) in undecided.enumerated() {
                let x = point[k]
                if x > g + slack { continue }
                if x < -(g + slack) { inA[t] = true; continue }
                kept.append(t); keptPoint.append(x)
            }
            undecided = kept
            point = keptPoint
            // 2. Marginal tests at both ends of the lattice, until nothing moves.
            var changed = true
            while changed && !undecided.isEmpty {
                changed = false
                let forced = sums((0..<v).filter { inA[$0] }).q
                let whole = sums((0..<v).filter { inA[$0] } + undecided).q
                var next: [Int] = [], nextPoint: [Double] = []
                for (k, t) in undecided.enumerated() {
                    let atBottom = increment(t, over: forced)
                    if p[t] <= atBottom * (1 - margin) {
                        inA[t] = true; changed = true; continue
                    }
                    var top = whole
                    for i in 0..<n { top[i] = max(0, whole[i] - q[i][t]) }
                    let atTop = increment(t, over: top)
                    if p[t] >= atTop * (1 + margin) {
                        changed = true; continue
                    }
                    next.append(t); nextPoint.append(point[k])
                }
                undecided = next
                point = nextPoint
            }
            let forcedTokens = (0..<v).filter { inA[$0] }
            let base = sums(forcedTokens)
            let baseValue = base.p - base.q.reduce(1, *)
            // 3a. Few tokens left: enumerate every subset.
            if undecided.count <= enumerationLimit {
                let m = undecided.count
                var best = baseValue, bestMask = [Bool](repeating: false, count: m), mask = bestMask
                func visit(_ k: Int, _ sp: Double, _ sq: [Double]) {
                    if k == m {
                        let value = sp - sq.reduce(1, *)
                        if value < best { best = value; bestMask = mask }
                        return
                    }
                    visit(k + 1, sp, sq)
                    let t = undecided[k]
                    var with = sq
                    for i in 0..<n { with[i] += q[i][t] }
                    mask[k] = true
                    visit(k + 1, sp + p[t], with)
                    mask[k] = false
                }
                visit(0, base.p, base.q)
                let minimizer = (forcedTokens + (0..<m).filter { bestMask[$0] }.map { undecided[$0] }).sorted()
                // The enumeration's value and the best set found so far both bound min F from above; the
                // enumeration over the contracted lattice is also its lower bound.
                let value = min(best, upper)
                return CertifiedMinimum(
                    lower: value, upper: value, minimizer: best <= upper ? minimizer : bestSet,
                    iterations: iterations, converged: true, route: .contraction)
            }
            // 3b. Otherwise minimise the contracted function and test again on its point.
            let remaining = maxIterations - iterations
            if remaining <= 0 { break }
            let tokens = undecided
            let restricted = SubmodularMinimizer(groundSize: tokens.count) { order in
                var y = [Double](repeating: 0, count: order.count)
                var a = base.q.map { KahanSum(starting: $0) }
                for k in order {
                    let t = tokens[k]
                    y[k] = p[t] - increment(t, over: a.map(\.value))
                    for i in 0..<n { a[i].add(q[i][t]) }
                }
                return y
            }
            // Start from the previous point's order and from the full problem's half-space orders, restricted.
            let local = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) })
            var orders = [
                Array(0..<tokens.count).sorted { point[$0] < point[$1] || (point[$0] == point[$1] && $0 < $1) }
            ]
            for order in startingOrders(directions: 4) { orders.append(order.compactMap { local[$0] }) }
            let result = restricted.minimize(
                initialOrders: orders, tolerance: tolerance,
                maxIterations: min(remaining, 200))
            iterations += result.iterations
            let shiftedUpper = baseValue + result.upper
            if shiftedUpper < upper {
                upper = shiftedUpper
                bestSet = (forcedTokens + result.minimizer.map { tokens[$0] }).sorted()
            }
            lower = max(lower, baseValue + result.lower)
            pointLower = baseValue + result.lower
            point = result.point
            if upper - lower <= tolerance {
                return CertifiedMinimum(
                    lower: lower, upper: upper, minimizer: bestSet, iterations: iterations,
                    converged: true, route: .contraction)
            }
        }
        return CertifiedMinimum(
            lower: lower, upper: upper, minimizer: bestSet, iterations: iterations,
            converged: upper - lower <= tolerance, route: .contraction)
    }
}
