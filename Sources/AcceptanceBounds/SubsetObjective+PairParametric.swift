import MultidraftNumerics
import Distributions

extension SubsetObjective {
    /// min F for two independent drafts, F(H) = p(H) − q₁(H) q₂(H), by a certified branch and bound over the
    /// single parameter t = q₁(H).
    ///
    /// **Exactness.** On the cube x ∈ [0, 1]^V, f(x) = p·x − (q₁·x)(q₂·x) is concave along every coordinate (the
    /// coefficient of x_j² is −q₁ⱼ q₂ⱼ ≤ 0), so its minimum over the cube is attained at a vertex: min_H F(H) =
    /// min_x f(x). Splitting by t = q₁·x,
    ///
    /// ```
    /// min_H F(H) = min_{t ∈ [0,1]} ψ(t),   ψ(t) = min { (p − t q₂)·x : q₁·x = t, 0 ≤ x ≤ 1 }
    ///                                          = max_λ h(t, λ),   h(t, λ) = λ t − Σ_j (t q₂ⱼ + λ q₁ⱼ − pⱼ)₊
    /// ```
    ///
    /// (LP duality for the inner problem). For a fixed λ, h(·, λ) is concave in t (linear minus convex), so on an
    /// interval [a, b] the bound min(h(a, λ), h(b, λ)) ≤ min_{t∈[a,b]} ψ(t) holds for **any** λ: each interval gets the
    /// λ that maximises h at its midpoint (where q₁ of the set {j : t q₂ⱼ + λ q₁ⱼ > pⱼ} reaches t). The intervals
    /// are refined smallest bound first; every midpoint's set A is a candidate whose F(A) bounds min F from above.
    /// The run stops when the smallest interval bound is within `tolerance` of the best set: that bound is then a
    /// proof (not an iteration count).
    ///
    /// Near the minimiser t*, λ* = q₂(H*) makes ∂h/∂t vanish, so an interval's bound loses only O(width²) there and
    /// a few dozen bisections close the gap; elsewhere bounds rise above the best set and intervals are dropped.
    ///
    /// - Returns: nil unless the law is independent with exactly two drafts; else the bracket reached
    ///   (`converged` when its gap is at most `tolerance`).
    /// - Complexity: O(V log V) per interval (a sort for λ, two O(V) evaluations); `maxIntervals` intervals at most.
    func pairParametricMinimum(tolerance: Double, maxIntervals: Int = 400) -> CertifiedMinimum? {
        guard case .independent(let qs) = law.kind, qs.count == 2 else { return nil }
        let v = target.vocabularySize
        let p = target.probabilities, q1 = qs[0].probabilities, q2 = qs[1].probabilities
        // Tokens with q₁ = 0 are in A iff t q₂ⱼ > pⱼ whatever λ is: they do not move the slope in λ.
        let withMass = (0..<v).filter { q1[$0] > 0 }

        /// h(t, λ) with compensated sums.
        func h(_ t: Double, _ lambda: Double) -> Double {
            var sum = KahanSum()
            for j in 0..<v {
                let excess = t * q2[j] + lambda * q1[j] - p[j]
                if excess > 0 { sum.add(excess) }
            }
            return lambda * t - sum.value
        }
        /// The λ maximising h(t, ·): tokens join A = {j : t q₂ⱼ + λ q₁ⱼ > pⱼ} at λⱼ = (pⱼ − t q₂ⱼ)/q₁ⱼ; the slope
        /// t − q₁(A) turns negative where q₁(A) reaches t (λ is free: the constraint is an equality).
        /// Also returns the token at the threshold (the LP's fractional one).
        func bestLambda(_ t: Double) -> (lambda: Double, token: Int?) {
            let thresholds = withMass.map { j in ((p[j] - t * q2[j]) / q1[j], j) }.sorted { $0.0 < $1.0 }
            var covered = 0.0
            for (lambda, j) in thresholds {
                covered += q1[j]
                if covered >= t { return (lambda, j) }
            }
            return (thresholds.last?.0 ?? 0, thresholds.last?.1)
        }
        /// F of the set A(t, λ) = {j : t q₂ⱼ + λ q₁ⱼ > pⱼ}, with `extra` (the token at the threshold) added or
        /// removed: the two vertices of the LP beside its fractional token, one of which is the minimiser itself when
        /// t = q₁(H*). Compensated sums.
        func setValue(_ t: Double, _ lambda: Double, extra: Int?, include: Bool) -> (value: Double, set: [Int]) {
            var sp = KahanSum(), s1 = KahanSum(), s2 = KahanSum()
            var set: [Int] = []
            for j in 0..<v {
                let inside = j == extra ? include : t * q2[j] + lambda * q1[j] - p[j] > 0
                guard inside else { continue }
                set.append(j)
                sp.add(p[j]); s1.add(q1[j]); s2.add(q2[j])
            }
            return (sp.value - s1.value * s2.value, set)
        }

        var upper = 0.0, best: [Int] = [] // the empty set: F = 0
        struct Interval { let a: Double, b: Double, bound: Double }
        func interval(_ a: Double, _ b: Double) -> Interval {
            let mid = (a + b) / 2
            let (lambda, token) = bestLambda(mid)
            for include in [false, true] {
                let candidate = setValue(mid, lambda, extra: token, include: include)
                if candidate.value < upper { upper = candidate.value; best = candidate.set }
            }
            return Interval(a: a, b: b, bound: min(h(a, lambda), h(b, lambda)))
        }
        let start = 16
        var open = (0..<start).map { k in interval(Double(k) / Double(start), Double(k + 1) / Double(start)) }
        var evaluated = open.count
        while evaluated < maxIntervals {
            // An interval whose bound reaches the best set cannot hold anything better: dropped for good.
            open.removeAll { $0.bound >= upper }
            guard let k = open.indices.min(by: { open[$0].bound < open[$1].bound }),
                upper - open[k].bound > tolerance
            else { break }
            let worst = open.remove(at: k)
            let mid = (worst.a + worst.b) / 2
            if mid <= worst.a || mid >= worst.b { open.append(worst); break } // no more room to split
            open.append(interval(worst.a, mid))
            open.append(interval(mid, worst.b))
            evaluated += 2
        }
        open.removeAll { $0.bound >= upper }
        let lower = min(upper, open.map(\.bound).min() ?? upper)
        return CertifiedMinimum(
            lower: lower, upper: upper, minimizer: best, iterations: evaluated,
            converged: upper - lower <= tolerance, route: .parametric)
    }
}
