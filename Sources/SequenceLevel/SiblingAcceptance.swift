/// The positional acceptance model of a draft tree node (Sequoia: Chen et al., "Sequoia: Scalable, Robust, and
/// Hardware-aware Speculative Decoding", 2024, arXiv 2402.12374): the children of an accepted node are tried in
/// order, and child i is accepted with probability a_i given that children 1..i−1 were rejected.
///
/// ```
/// u_i = a_i · Π_{j<i} (1 − a_j)      P(child i is the accepted one)      Σ_i u_i ≤ 1
/// ```
///
/// Children beyond the vector are never accepted (a = 0).
public struct SiblingAcceptance: Sendable, Equatable {
    /// a_i, conditional on the earlier siblings' rejection.
    public let conditional: [Double]
    /// u_i, unconditional.
    public let unconditional: [Double]

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case empty
        case outOfRange(index: Int, value: Double)
        case sumAboveOne(Double)

        public var description: String {
            switch self {
            case .empty: return "the acceptance vector is empty"
            case .outOfRange(let i, let v):
                return "acceptance value \(v) at line \(i + 1) is not a probability in [0, 1]"
            case .sumAboveOne(let s):
                return "unconditional acceptances sum to \(s) > 1 (each is P(sibling i is the accepted one))"
            }
        }
    }

    /// From conditional probabilities a_i ∈ [0, 1].
    public init(conditional a: [Double]) throws {
        guard !a.isEmpty else { throw Failure.empty }
        for (i, x) in a.enumerated() where !(x >= 0 && x <= 1) { throw Failure.outOfRange(index: i, value: x) }
        var reject = 1.0
        var u: [Double] = []
        for x in a { u.append(x * reject); reject *= 1 - x }
        conditional = a
        unconditional = u
    }

    /// From unconditional probabilities u_i ∈ [0, 1] with Σ u_i ≤ 1 (as Sequoia and SpecHub store them);
    /// a_i = u_i / (1 − Σ_{j<i} u_j) (0 once the earlier siblings take all the mass).
    public init(unconditional u: [Double]) throws {
        guard !u.isEmpty else { throw Failure.empty }
        for (i, x) in u.enumerated() where !(x >= 0 && x <= 1) { throw Failure.outOfRange(index: i, value: x) }
        let total = u.reduce(0, +)
        guard total <= 1 + 1e-12 else { throw Failure.sumAboveOne(total) }
        var remaining = 1.0
        var a: [Double] = []
        for x in u {
            a.append(remaining > 0 ? min(1, x / remaining) : 0)
            remaining = max(0, remaining - x)
        }
        conditional = a
        unconditional = u
    }

    /// The sibling acceptances of recursive rejection sampling with i.i.d. drafts from q, for which the positional
    /// model is exact: a_i = Σ min(p_i, q) with p₁ = p and p_{i+1} = norm((p_i − q)₊) (independent of which tokens
    /// were rejected). Stops early once the residual is exhausted.
    public static func recursiveRejection(
        target p: [Double], draft q: [Double], siblings: Int
    ) throws -> SiblingAcceptance {
        precondition(p.count == q.count && siblings >= 1)
        var residual = p
        var a: [Double] = []
        for _ in 0..<siblings {
            a.append(min(1, zip(residual, q).reduce(0) { $0 + min($1.0, $1.1) }))
            let rest = zip(residual, q).map { max(0, $0 - $1) }
            let mass = rest.reduce(0, +)
            guard mass > 0 else { break }
            residual = rest.map { $0 / mass }
        }
        return try SiblingAcceptance(conditional: a)
    }

    /// u for the child of rank `i` (0-based), 0 beyond the vector.
    @inlinable public func probability(rank i: Int) -> Double { i < unconditional.count ? unconditional[i] : 0 }
}
