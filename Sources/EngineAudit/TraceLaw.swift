import Distributions

/// A next-token law as an engine's trace gives it: dense probabilities over the whole vocabulary, or the top-k
/// tokens with the mass of every other token lumped into one **rest cell**.
///
/// The audit's tests see a sparse law through its cells: the listed tokens, then the rest cell. Merging tokens into
/// one cell keeps every test valid (the probability-integral transform of a lumped law is still uniform under the
/// null) and loses power only for defects that move mass among unlisted tokens.
public enum TraceLaw: Sendable, Equatable {
    case dense([Double])
    case sparse(indices: [Int], values: [Double], rest: Double)

    /// Probability of `token`'s cell: p(token) for dense laws and listed tokens, the rest mass for an unlisted token.
    public func cellMass(of token: Int) -> Double {
        switch self {
        case .dense(let p): return p[token]
        case .sparse(let indices, let values, let rest):
            if let k = indices.firstIndex(of: token) { return values[k] }
            return rest
        }
    }

    /// The cell of `token` in the order of decreasing probability (ties by token index; the rest cell last):
    /// (mass of the cells before it, its own mass). O(V) for dense laws, O(k) for sparse ones.
    ///
    /// Ordering by probability makes the transform U = below + V·mass small for likely tokens, so defects that
    /// sharpen or flatten the law (a temperature mismatch, an ignored draft law that favours the draft's likely
    /// tokens) move the distribution of U monotonically, which the Kolmogorov–Smirnov test detects best.
    public func cell(of token: Int) -> (below: Double, mass: Double) {
        switch self {
        case .dense(let p):
            let mass = p[token]
            var below = 0.0
            for (t, value) in p.enumerated() where value > mass || (value == mass && t < token) { below += value }
            return (below, mass)
        case .sparse(let indices, let values, let rest):
            guard let k = indices.firstIndex(of: token) else {
                return (values.reduce(0, +), rest)
            }
            let mass = values[k]
            var below = 0.0
            for (j, value) in values.enumerated() where value > mass || (value == mass && indices[j] < token) {
                below += value
            }
            return (below, mass)
        }
    }

    /// Every token's cell at once, as ``cell(of:)`` gives it (O(V log V) for dense laws), for auditing many tokens
    /// drawn from one law. Sparse laws: the listed tokens' cells; unlisted tokens share the rest cell.
    public func cellTable(vocabularySize v: Int) -> (below: [Double], mass: [Double]) {
        var below = [Double](repeating: 0, count: v), mass = [Double](repeating: 0, count: v)
        switch self {
        case .dense(let p):
            let order = p.indices.sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }
            var cumulative = 0.0
            for t in order { below[t] = cumulative; mass[t] = p[t]; cumulative += p[t] }
        case .sparse(let indices, let values, let rest):
            let listed = values.reduce(0, +)
            for t in 0..<v { below[t] = listed; mass[t] = rest }
            let order = indices.indices.sorted {
                values[$0] > values[$1] || (values[$0] == values[$1] && indices[$0] < indices[$1])
            }
            var cumulative = 0.0
            for j in order { below[indices[j]] = cumulative; mass[indices[j]] = values[j]; cumulative += values[j] }
        }
        return (below, mass)
    }

    /// The total mass (1 up to the trace's rounding; checked when the trace is read).
    public var total: Double {
        switch self {
        case .dense(let p): return p.reduce(0, +)
        case .sparse(_, let values, let rest): return values.reduce(0, +) + rest
        }
    }

    /// The law with its cells renormalised to total 1 (the trace's rounding removed).
    public func normalised() -> TraceLaw {
        let t = total
        switch self {
        case .dense(let p): return .dense(p.map { $0 / t })
        case .sparse(let i, let v, let r): return .sparse(indices: i, values: v.map { $0 / t }, rest: r / t)
        }
    }

    /// The dense distribution over `vocabularySize` tokens: the law itself, or a sparse law whose rest cell is empty
    /// (every token with mass listed); nil when the split of a positive rest mass is unknown.
    public func distribution(vocabularySize v: Int) -> Distribution? {
        switch self {
        case .dense(let p): return try? Distribution(normalizing: p)
        case .sparse(let indices, let values, let rest):
            guard rest == 0 else { return nil }
            var p = [Double](repeating: 0, count: v)
            for (i, x) in zip(indices, values) { p[i] = x }
            return try? Distribution(normalizing: p)
        }
    }
}
