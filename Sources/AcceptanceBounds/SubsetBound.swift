import MultidraftNumerics
import Foundation
import Distributions

/// Exact evaluations of the subset formula without a linear program
/// (Hu et al., "Towards Optimal Multi-draft Speculative Decoding", 2025, arXiv 2502.18779):
///
/// ```
/// alpha* = 1 + min_H [p(H) − Q(H)],    Q(H) = P(all drafts ∈ H)
/// ```
///
/// | law | method | cost |
/// |---|---|---|
/// | iid | prefix scan of the ratio order, Q(H_k) = q(H_k)ⁿ | O(V) after the O(V) radix sort |
/// | without replacement | prefix scan, Q(H_k) by the exponential race (two drafts: closed form) | O(V·G·n) (n = 2: O(V)) |
/// | greedy, SpecHub | closed form p(T) + Σ_{i∉T} min(p(i), q(i)/q(Σ∖T)) | O(V) |
/// | any (tests) | all 2^V subsets | O(2^V·V) |
///
/// The prefix theorem needs Q to be q-convex, which holds for iid and without-replacement drafts; it fails for
/// greedy drafts (the prefix search can over-estimate alpha*) and has no single order for independent
/// non-identical drafts: those use the closed form or the LP.
public enum SubsetBound {
    /// The result of a scan: alpha*, and the minimising set H*.
    public struct Result: Sendable {
        public let alpha: Double
        public let minimizer: [Int]
    }

    /// i.i.d. drafts: alpha* = 1 + min_k [p(H_k) − q(H_k)ⁿ] over prefixes of the ratio order.
    ///
    /// Prefix sums are compensated (Kahan), so q(H_k) carries an absolute error of about one ulp and q(H_k)ⁿ
    /// (repeated squaring) about n ulps: ψ is exact to ~1e-15 absolute, which is the accuracy that matters for
    /// the minimum.
    public static func prefixIID(target p: Distribution, draft q: Distribution, drafts n: Int) -> Result {
        let order = RatioOrder.order(target: p.probabilities, draft: q.probabilities)
        let v = order.count
        var best = 0.0, bestK = 0
        var pSum = 0.0, pComp = 0.0
        var qSum = 0.0, qComp = 0.0
        let qRest = suffixMasses(q.probabilities, order: order) // q(Σ ∖ H_k), for Q(H_k) accurate at huge n
        for k in 0..<(v - 1) { // H_V = Σ has value 0 by definition
            let i = order[k]
            compensatedAdd(&pSum, &pComp, p[i])
            compensatedAdd(&qSum, &qComp, q[i])
            let qh = massPower(inside: qSum, outside: qRest[k + 1], n)
            let psi = (pSum) - qh
            if psi < best { best = psi; bestK = k + 1 }
        }
        return Result(alpha: min(1, max(0, 1 + best)), minimizer: sortedPrefix(order, bestK))
    }

    /// Without-replacement drafts: alpha* = 1 + min_k [p(H_k) − Q(H_k)] with Q from the exponential race.
    ///
    /// Only prefixes that can hold the minimum are integrated. Two cheap bounds bracket ψ(k) = p(H_k) − Q(H_k):
    ///
    /// ```
    /// lower:  ψ(k) ≥ max( p(H_k) − Q₂(H_k)·q(H_k)ⁿ⁻² ,  −p(Σ ∖ H_k) )          (Q_wor ≤ Q₂·q(H)ⁿ⁻², Q_wor ≤ 1)
    /// upper:  ψ(k) ≤ p(H_k) − Π_{m<n} (q(H_k) − M_m) / (r_k + q(H_k) − M_m)
    /// ```
    ///
    /// with M_m the sum of the m largest q in H_k (the m-th draw stays in H with probability at least this factor)
    /// and Q₂(H) = P(the first two draws lie in H) = Σ_{i∈H} q_i (q(H) − q_i)/(1 − q_i), carried along the prefixes by
    /// positive increments only: Q₂(H ∪ j) = Q₂(H) + q_j Σ_{i∈H} q_i/(1 − q_i) + q_j q(H)/(1 − q_j). Each later draw
    /// stays in H with conditional probability (q(H) − d)/(1 − d) ≤ q(H), d the mass already drawn, hence the factor
    /// q(H)ⁿ⁻² (and Q₂ ≤ q(H)², so this bound is never weaker than the iid one).
    /// Every prefix whose lower bound exceeds the best upper bound is skipped, which is exact, and the race runs only
    /// up to the last candidate prefix.
    public static func prefixWithoutReplacement(
        target p: Distribution, draft q: Distribution, drafts n: Int,
        threads: Int = 1
    ) -> Result {
        let order = RatioOrder.order(target: p.probabilities, draft: q.probabilities)
        let v = order.count
        let r = suffixMasses(q.probabilities, order: order)
        let pRest = suffixMasses(p.probabilities, order: order)
        var lower = [Double](repeating: 0, count: v + 1)
        var bestUpper = 0.0
        var pSum = 0.0, pComp = 0.0, qSum = 0.0, qComp = 0.0
        var top: [Double] = [] // the n − 1 largest q in the prefix, decreasing
        var q2 = 0.0, oddsSum = 0.0 // Q₂(H_k) and Σ_{i∈H_k} q_i/(1 − q_i)
        for k in 1..<v {
            let x = q[order[k - 1]]
            let complement = x <= 0.5 ? r[0] - x : q.remainingMass(excluding: [order[k - 1]])
            let qBefore = qSum
            if complement > 0 { q2 += x * oddsSum + x * qBefore / complement; oddsSum += x / complement }
            compensatedAdd(&pSum, &pComp, p[order[k - 1]])
            compensatedAdd(&qSum, &qComp, x)
            if n > 1 && (top.count < n - 1 || x > top[top.count - 1]) {
                var pos = top.count
                while pos > 0 && top[pos - 1] < x { pos -= 1 }
                top.insert(x, at: pos)
                if top.count > n - 1 { top.removeLast() }
            }
            let ph = pSum, qh = qSum
            let upperQ = n >= 2 ? min(1, q2 * integerPower(min(1, qh), n - 2)) : qh
            lower[k] = max(ph - upperQ, -pRest[k])
            var qLower = 1.0, largest = 0.0
            for m in 0..<n {
                if m > 0 { largest += m - 1 < top.count ? top[m - 1] : 0 }
                let inside = max(0, qh - largest)
                qLower *= inside > 0 ? inside / (r[k] + inside) : 0
            }
            bestUpper = min(bestUpper, ph - qLower)
        }
        let slack = 1e-12
        let candidates = (1..<v).filter { lower[$0] <= bestUpper + slack }
        var best = 0.0, bestK = 0
        if let first = candidates.first, let last = candidates.last {
            let qs = WithoutReplacementRace.prefixMasses(
                q.probabilities, order: order, drafts: n, threads: threads,
                needed: first...last)
            pSum = 0; pComp = 0
            for k in 1...last {
                compensatedAdd(&pSum, &pComp, p[order[k - 1]])
                guard k >= first, !qs[k].isNaN else { continue }
                let psi = (pSum) - qs[k]
                if psi < best { best = psi; bestK = k }
            }
        }
        return Result(alpha: min(1, max(0, 1 + best)), minimizer: sortedPrefix(order, bestK))
    }

    /// Greedy drafts (T = top_{n−1}(q) plus one draw from q restricted to Σ ∖ T) and the SpecHub pair law (T = {a}):
    ///
    /// ```
    /// alpha* = p(T) + Σ_{i∉T} min(p(i), q'(i)),   q'(i) = q(i) / q(Σ ∖ T),   H* = T ∪ {i ∉ T : p(i) < q'(i)}
    /// ```
    public static func greedyClosedForm(target p: Distribution, draft q: Distribution, top: [Int]) -> Result {
        var isTop = [Bool](repeating: false, count: p.vocabularySize)
        for t in top { isTop[t] = true }
        var rest = 0.0
        for i in 0..<q.vocabularySize where !isTop[i] { rest += q[i] }
        var alpha = 0.0
        var minimizer: [Int] = []
        for i in 0..<p.vocabularySize {
            if isTop[i] { alpha += p[i]; minimizer.append(i); continue }
            let qi = rest > 0 ? q[i] / rest : 0
            alpha += min(p[i], qi)
            if p[i] < qi { minimizer.append(i) }
        }
        return Result(alpha: min(1, alpha), minimizer: minimizer)
    }

    /// Brute force over all 2^V subsets (tests; V ≤ `maxVocabulary`). Closed-form Q for iid, independent, greedy and
    /// SpecHub laws; for without-replacement and explicit laws Q(H) = Σ_{S ⊆ H} Q_set(S) by a subset-sum transform
    /// of the set law.
    public static func bruteForce(target p: Distribution, law: DraftLaw, maxVocabulary: Int = 20) throws -> Result {
        let v = p.vocabularySize
        guard v <= maxVocabulary else {
            throw AcceptanceError.bruteForceTooLarge(vocabularySize: v, limit: maxVocabulary)
        }
        try law.requireVocabulary(of: p)
        let count = 1 << v
        var zeta: [Double]? = nil
        switch law.kind {
        case .withoutReplacement, .explicit:
            var z = [Double](repeating: 0, count: count)
            for set in law.setLaw() { z[set.tokens.reduce(0) { $0 | (1 << $1) }] += set.mass }
            for bit in 0..<v { for mask in 0..<count where mask & (1 << bit) != 0 { z[mask] += z[mask ^ (1 << bit)] } }
            zeta = z
        default: break
        }
        var best = 0.0, bestMask = 0
        var mask01 = [Bool](repeating: false, count: v)
        for mask in 1..<(count - 1) {
            var pm = 0.0
            for i in 0..<v { mask01[i] = mask & (1 << i) != 0; if mask01[i] { pm += p[i] } }
            let qh = zeta.map { min(1, $0[mask]) } ?? law.subsetMass(ofMask: mask01)
            let psi = pm - qh
            if psi < best { best = psi; bestMask = mask }
        }
        return Result(alpha: min(1, max(0, 1 + best)), minimizer: (0..<v).filter { bestMask & (1 << $0) != 0 })
    }

    /// The smallest subset-formula value over the prefixes of the ratio order, for any law. It is exact for iid and
    /// without-replacement drafts and only an upper bound on alpha* otherwise (kept to exhibit the greedy
    /// counterexample).
    public static func prefixSearch(target p: Distribution, law: DraftLaw) -> Result {
        guard let q = law.draftDistribution else { return Result(alpha: 1, minimizer: []) }
        let order = RatioOrder.order(target: p.probabilities, draft: q.probabilities)
        var best = 1.0, bestK = 0
        var mask = [Bool](repeating: false, count: p.vocabularySize)
        var pSum = 0.0
        for k in 0..<(order.count - 1) {
            mask[order[k]] = true
            pSum += p[order[k]]
            let value = pSum + (1 - law.subsetMass(ofMask: mask))
            if value < best { best = value; bestK = k + 1 }
        }
        return Result(alpha: min(1, best), minimizer: sortedPrefix(order, bestK))
    }

    /// The first k tokens of `order`, in increasing token index (O(V), no sort).
    static func sortedPrefix(_ order: [Int], _ k: Int) -> [Int] {
        var mask = [Bool](repeating: false, count: order.count)
        for i in order.prefix(k) { mask[i] = true }
        var out: [Int] = []
        out.reserveCapacity(k)
        for i in 0..<mask.count where mask[i] { out.append(i) }
        return out
    }

    /// r_k = q(Σ ∖ H_k) for k = 0…V, summed from the end of the order.
    package static func suffixMasses(_ q: [Double], order: [Int]) -> [Double] {
        var r = [Double](repeating: 0, count: order.count + 1)
        var comp = 0.0, sum = 0.0
        for k in stride(from: order.count - 1, through: 0, by: -1) {
            compensatedAdd(&sum, &comp, q[order[k]])
            r[k] = sum
        }
        return r
    }
}
