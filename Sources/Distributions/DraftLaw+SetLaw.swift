import Foundation

/// A draft set S = set(x) with its probability Q_set(S) = Σ_{x : set(x) = S} P(x).
public struct DraftSet: Sendable, Hashable {
    /// The distinct tokens, increasing.
    public let tokens: [Int]
    /// Q_set(S).
    public let mass: Double
}

extension DraftLaw {
    /// An upper estimate of the number of distinct draft sets, computed before anything is enumerated:
    /// Σ_{m ≤ n} C(s, m) for i.i.d. and independent drafts (s the size of the union of supports), C(s, n) without
    /// replacement, s − n + 1 for greedy, s − 1 for SpecHub, the tuple count for an explicit law.
    public var estimatedSetCount: Double {
        func binomial(_ s: Int, _ m: Int) -> Double {
            if m < 0 || m > s { return 0 }
            var c = 1.0
            for j in 0..<m { c = c * Double(s - j) / Double(j + 1) }
            return c
        }
        switch kind {
        case .iid(let q): // sets have at most min(n, s) tokens: the sum stops there (n can be huge)
            return (1...min(drafts, q.supportSize)).reduce(0) { $0 + binomial(q.supportSize, $1) }
        case .independent(let qs):
            let s = (0..<vocabularySize).filter { i in qs.contains { $0[i] > 0 } }.count
            return (1...max(1, min(drafts, s))).reduce(0) { $0 + binomial(s, $1) }
        case .withoutReplacement(let q):
            return binomial(q.supportSize, drafts)
        case .greedy(let q):
            return Double(q.supportSize - drafts + 1)
        case .specHub(let q):
            return Double(q.supportSize - 1)
        case .explicit(let law):
            return Double(law.tuples.count)
        }
    }

    /// The law over draft sets: every set S with Q_set(S) > 0, with its mass. Masses are computed without
    /// subtractive cancellation: compositions for i.i.d. drafts (n! [tⁿ] Π_{i∈S}(e^{q_i t} − 1)), a subset DP for
    /// successive sampling (remaining masses summed directly), a coverage DP for independent drafts.
    ///
    /// - Complexity: O(#sets · cost per set); call ``estimatedSetCount`` first. Precondition: V ≤ 64 for the
    ///   enumerating laws, or the set count is at most `maxSets` (checked by the caller).
    public func setLaw() -> [DraftSet] {
        switch kind {
        case .iid(let q):
            let support = q.support
            return subsets(of: support, sizes: 1...drafts).compactMap { s in
                let mass = Self.iidSetMass(s.map { q[$0] }, drafts: drafts)
                return mass > 0 ? DraftSet(tokens: s, mass: mass) : nil
            }
        case .withoutReplacement(let q):
            return subsets(of: q.support, sizes: drafts...drafts).compactMap { s in
                let outside = q.remainingMass(excluding: s)
                let mass = Self.withoutReplacementSetMass(s.map { q[$0] }, outsideMass: outside)
                return mass > 0 ? DraftSet(tokens: s, mass: mass) : nil
            }
        case .independent(let qs):
            let union = (0..<vocabularySize).filter { i in qs.contains { $0[i] > 0 } }
            return subsets(of: union, sizes: 1...drafts).compactMap { s in
                let mass = Self.independentSetMass(s, qs)
                return mass > 0 ? DraftSet(tokens: s, mass: mass) : nil
            }
        case .greedy(let q), .specHub(let q):
            let top = deterministicTokens
            let rest = q.remainingMass(excluding: top)
            let isTop = Set(top)
            return (0..<vocabularySize).compactMap { i in
                guard !isTop.contains(i), q[i] > 0 else { return nil }
                return DraftSet(tokens: (top + [i]).sorted(), mass: q[i] / rest)
            }
        case .explicit(let law):
            var masses: [[Int]: Double] = [:]
            for (tuple, pr) in zip(law.tuples, law.probabilities) where pr > 0 {
                masses[Array(Set(tuple)).sorted(), default: 0] += pr
            }
            return masses.keys.sorted { $0.lexicographicallyPrecedes($1) }.map {
                DraftSet(tokens: $0, mass: masses[$0]!)
            }
        }
    }

    /// All subsets of `items` whose size lies in `sizes`, each increasing, in lexicographic order of size then items.
    func subsets(of items: [Int], sizes: ClosedRange<Int>) -> [[Int]] {
        var out: [[Int]] = []
        var current: [Int] = []
        func extend(from start: Int, size: Int) {
            if current.count == size { out.append(current); return }
            let needed = size - current.count
            var i = start
            while i <= items.count - needed {
                current.append(items[i])
                extend(from: i + 1, size: size)
                current.removeLast()
                i += 1
            }
        }
        for size in sizes where size <= items.count { extend(from: 0, size: size) }
        return out
    }

    /// P(set(x) = S) for n i.i.d. draws: n! [tⁿ] Π_{i∈S} Σ_{c ≥ 1} (q_i t)^c / c!  (all terms positive).
    static func iidSetMass(_ qs: [Double], drafts n: Int) -> Double {
        if qs.count > n { return 0 }
        if n > 150 { return iidSetMassLarge(qs, drafts: n) } // n! and 1/c! leave the Double range near n = 170
        var poly = [Double](repeating: 0, count: n + 1)
        poly[0] = 1
        for qi in qs {
            var term = [Double](repeating: 0, count: n + 1) // (q t)^c / c!
            var power = 1.0
            for c in 1...n { power *= qi / Double(c); term[c] = power }
            var next = [Double](repeating: 0, count: n + 1)
            for a in 0..<n where poly[a] != 0 {
                for c in 1...(n - a) { next[a + c] += poly[a] * term[c] }
            }
            poly = next
        }
        var factorial = 1.0
        for j in 1...max(1, n) { factorial *= Double(j) }
        return poly[n] * factorial
    }

    /// P(the first |S| successive draws are exactly S): a DP over the drawn subset T ⊆ S with
    /// f(T ∪ {x}) += f(T) · q_x / q(Σ ∖ T), where q(Σ ∖ T) = outside + q(S ∖ T) is a sum of remaining masses.
    static func withoutReplacementSetMass(_ qs: [Double], outsideMass: Double) -> Double {
        let m = qs.count
        let full = (1 << m) - 1
        var f = [Double](repeating: 0, count: 1 << m)
        f[0] = 1
        for mask in 0..<full where f[mask] > 0 {
            var remaining = outsideMass
            for j in 0..<m where mask & (1 << j) == 0 { remaining += qs[j] }
            guard remaining > 0 else { continue }
            for j in 0..<m where mask & (1 << j) == 0 {
                f[mask | (1 << j)] += f[mask] * qs[j] / remaining
            }
        }
        return f[full]
    }

    /// P(set(x) = S) for independent drafts x_i ~ q_i: a DP over drafts with the covered subset of S as state.
    static func independentSetMass(_ s: [Int], _ qs: [Distribution]) -> Double {
        let m = s.count
        if m <= 2 { return independentSmallSetMass(s, qs) }
        var f = [Double](repeating: 0, count: 1 << m)
        f[0] = 1
        for q in qs {
            var next = [Double](repeating: 0, count: 1 << m)
            for mask in 0..<(1 << m) where f[mask] > 0 {
                for j in 0..<m where q[s[j]] > 0 { next[mask | (1 << j)] += f[mask] * q[s[j]] }
            }
            f = next
        }
        return f[(1 << m) - 1]
    }

    /// The same DP for |S| ≤ 2 in four scalars instead of arrays (most sets of a large law are this small), adding
    /// in the DP's order, so the value is bit-identical to it.
    @inline(__always)
    static func independentSmallSetMass(_ s: [Int], _ qs: [Distribution]) -> Double {
        if s.count == 1 {
            var f0 = 1.0, f1 = 0.0
            for q in qs {
                let a = q[s[0]]
                var n1 = 0.0
                n1 += f0 * a; n1 += f1 * a
                f0 = 0; f1 = n1
            }
            return f1
        }
        var f0 = 1.0, f1 = 0.0, f2 = 0.0, f3 = 0.0 // covered: none, s[0], s[1], both
        for q in qs {
            let a = q[s[0]], b = q[s[1]]
            var n1 = 0.0, n2 = 0.0, n3 = 0.0
            n1 += f0 * a; n2 += f0 * b // from none
            n1 += f1 * a; n3 += f1 * b // from {s0}
            n3 += f2 * a; n2 += f2 * b // from {s1}
            n3 += f3 * a; n3 += f3 * b // from both
            f0 = 0; f1 = n1; f2 = n2; f3 = n3
        }
        return f3
    }
}

extension DraftLaw {
    /// Q_set(S) for i.i.d. drafts and large n, by the same composition count carried as probabilities:
    ///
    /// ```
    /// g_0 = [1, 0, …],   g_{k+1}[a + c] += g_k[a] · C(a + c, c) · q_k^c   (c ≥ 1: token k drawn c times)
    /// Q_set(S) = g_|S|[n]
    /// ```
    ///
    /// g_k[a] is the probability of a sequences of a draws using exactly the first k tokens of S, so every term
    /// stays in [0, 1]; each product is formed in logarithms (C(a + c, c) alone can exceed 1e308).
    /// - Complexity: O(|S| · n²).
    static func iidSetMassLarge(_ qs: [Double], drafts n: Int) -> Double {
        if qs.contains(where: { !($0 > 0) }) { return 0 }
        var logFactorial = [Double](repeating: 0, count: n + 1)
        for k in stride(from: 1, through: n, by: 1) { logFactorial[k] = logFactorial[k - 1] + log(Double(k)) }
        var g = [Double](repeating: 0, count: n + 1)
        g[0] = 1
        for qi in qs {
            let logQ = log(qi)
            var next = [Double](repeating: 0, count: n + 1)
            for a in 0..<n where g[a] > 0 {
                let base = log(g[a]) - logFactorial[a]
                for c in 1...(n - a) {
                    let logTerm: Double = base + logFactorial[a + c] - logFactorial[c] + Double(c) * logQ
                    next[a + c] += exp(logTerm)
                }
            }
            g = next
        }
        return min(1, g[n])
    }
}
