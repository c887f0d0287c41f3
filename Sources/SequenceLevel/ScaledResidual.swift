import MultidraftNumerics
import AcceptanceBounds
import MultidraftSupport

/// The scaled residual of a fixed pair (p, q): its mass R(w) = Σ_y (w p(y) − q(y))_+ and draws from its normalisation
/// norm((w p − q)_+), for any weight w ∈ [0, 1], in O(log V) after an O(V log V) setup.
///
/// Block verification of a context-free model needs these at every position it may stop at, with a weight w_i that
/// depends on the chain; evaluating them densely costs O(V) per position and would make each verified chain cost
/// O(γ V). Here the tokens with p > 0 are sorted by the ratio p/q (largest first, q = 0 first of all): w p(y) > q(y)
/// exactly for a prefix of that order, the prefix of tokens with p/q > 1/w, so with prefix sums P_k, Q_k of p and q,
///
/// ```
/// R(w) = w P_k − Q_k,   k = #{y : p(y)/q(y) > 1/w},
/// ```
///
/// and the cumulative residual mass over the first j ≤ k tokens, w P_j − Q_j, is increasing in j: a draw is a binary
/// search for the first j whose cumulative mass exceeds a uniform fraction of R(w).
///
/// - Accuracy: prefix sums are compensated; R(w) carries an absolute rounding error of a few ulps of 1.
struct ScaledResidual: Sendable {
    /// Tokens with p > 0 by decreasing p/q (ties by token index).
    let order: [Int32]
    /// p/q in that order (+∞ where q = 0).
    let ratio: [Double]
    /// Prefix sums of p and q in that order (count + 1 entries, starting at 0).
    let prefixTarget: [Double], prefixDraft: [Double]

    init(target p: [Double], draft q: [Double]) {
        var tokens = (0..<p.count).filter { p[$0] > 0 }
        let r = p.indices.map { q[$0] > 0 ? p[$0] / q[$0] : Double.infinity }
        tokens.sort { r[$0] != r[$1] ? r[$0] > r[$1] : $0 < $1 }
        order = tokens.map { Int32($0) }
        ratio = tokens.map { r[$0] }
        var sp = [0.0], sq = [0.0]
        var (a, ca, b, cb) = (0.0, 0.0, 0.0, 0.0)
        for t in tokens {
            compensatedAdd(&a, &ca, p[t]); compensatedAdd(&b, &cb, q[t])
            sp.append(a + ca); sq.append(b + cb)
        }
        prefixTarget = sp
        prefixDraft = sq
    }

    /// The number of leading tokens with w p > q (those with p/q > 1/w).
    func positiveCount(_ w: Double) -> Int {
        guard w > 0 else { return 0 }
        let threshold = 1 / w
        var lo = 0, hi = ratio.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ratio[mid] > threshold { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// R(w) = Σ_y (w p(y) − q(y))_+.
    func mass(_ w: Double) -> Double {
        let k = positiveCount(w)
        return max(0, w * prefixTarget[k] - prefixDraft[k])
    }

    /// A draw from norm((w p − q)_+), given a uniform u ∈ [0, 1); nil when R(w) = 0.
    func sample(_ w: Double, uniform u: Double) -> Int? {
        let k = positiveCount(w)
        let total = w * prefixTarget[k] - prefixDraft[k]
        guard k > 0, total > 0 else { return nil }
        let goal = u * total
        var lo = 1, hi = k
        while lo < hi {
            let mid = (lo + hi) / 2
            if w * prefixTarget[mid] - prefixDraft[mid] > goal { hi = mid } else { lo = mid + 1 }
        }
        return Int(order[lo - 1])
    }
}
