import Solvers
import Distributions
import Foundation

/// The submodular function F(H) = p(H) − Q(H) of the subset formula alpha* = 1 + min_H F(H)
/// (<doc:Theory#Optimal-verifier>: Q(H) = P(all drafts in H) is supermodular for every law), with its greedy
/// vertices: along an order σ, y(σ_k) = p(σ_k) − [Q(σ_1..σ_k) − Q(σ_1..σ_{k−1})].
///
/// The increments of Q are computed without subtractive cancellation, so Σ_k y(σ_k) over a prefix has absolute error
/// of a few ulps of 1 at any V:
/// - independent drafts, Q = Π_i a_i with a_i = q_i(prefix): D = Π(a_i + d_i) − Π a_i by the recurrence
///   D_k = (a_k + d_k) D_{k−1} + d_k Π_{i<k} a_i (all terms ≥ 0), O(n) per token;
/// - i.i.d. drafts, Q = aⁿ: (a + d)ⁿ − aⁿ = aⁿ · expm1(n · log1p(d/a)) (dⁿ at a = 0);
/// - any other law: Q's increment at token v is the mass of the draft sets whose last token in the order is v
///   (one pass over the enumerated set law, O(Σ_S |S|)).
public struct SubsetObjective: Sendable {
    public let target: Distribution
    public let law: DraftLaw
    /// The enumerated set law (laws without a product form only).
    let sets: [DraftSet]?

    /// - Throws: ``AcceptanceError/tooLarge(_:estimatedSets:estimatedSize:limit:)`` if the law needs its set law
    ///   enumerated and that exceeds `maxSetArcs`.
    public init(target p: Distribution, law: DraftLaw, maxSetArcs: Int = Limits.standard.flowArcs) throws {
        try law.requireVocabulary(of: p)
        target = p
        self.law = law
        switch law.kind {
        case .independent, .iid: sets = nil
        default:
            let size = OptimalTransportLP.estimatedSize(of: law)
            if size.variables > Double(maxSetArcs) || !size.variables.isFinite {
                throw AcceptanceError.tooLarge(
                    .flowArcs, estimatedSets: size.sets, estimatedSize: size.variables, limit: maxSetArcs)
            }
            sets = law.setLaw()
        }
    }

    /// The greedy vertex of `order` (a permutation of 0..<V), indexed by token.
    public func greedyVertex(_ order: [Int]) -> [Double] {
        let v = target.vocabularySize
        var y = [Double](repeating: 0, count: v)
        switch law.kind {
        case .independent(let qs):
            let n = qs.count
            var a = [Double](repeating: 0, count: n)
            var comp = [Double](repeating: 0, count: n)
            for t in order {
                var d = 0.0, prod = 1.0
                for i in 0..<n {
                    let di = qs[i][t]
                    d = (a[i] + di) * d + di * prod
                    prod *= a[i]
                }
                y[t] = target[t] - d
                for i in 0..<n { // Kahan sums of the prefix masses
                    let term = qs[i][t] - comp[i]
                    let s = a[i] + term
                    comp[i] = (s - a[i]) - term
                    a[i] = s
                }
            }
        case .iid(let q):
            let n = Double(law.drafts)
            var a = 0.0, comp = 0.0
            for t in order {
                let d = q[t]
                let inc: Double
                if d == 0 {
                    inc = 0
                } else if a == 0 {
                    inc = pow(d, n)
                } else {
                    inc = pow(a, n) * expm1(n * log1p(d / a))
                }
                y[t] = target[t] - inc
                let term = d - comp
                let s = a + term
                comp = (s - a) - term
                a = s
            }
        default:
            var position = [Int](repeating: 0, count: v)
            for (k, t) in order.enumerated() { position[t] = k }
            var increment = [Double](repeating: 0, count: v)
            for set in sets ?? [] {
                var last = set.tokens[0]
                for t in set.tokens where position[t] > position[last] { last = t }
                increment[last] += set.mass
            }
            for t in 0..<v { y[t] = target[t] - increment[t] }
        }
        return y
    }

    /// Minimises F from ``startingOrders(directions:extraWeightings:)`` (with the AM–GM dual's weights for
    /// independent drafts; see ``SubmodularMinimizer``). The result's `lower` and `upper` bound min F:
    /// alpha* ∈ [1 + lower, 1 + upper].
    public func minimize(tolerance: Double = 1e-12, maxIterations: Int = 2000) -> SubmodularMinimizer.Result {
        minimize(tolerance: tolerance, maxIterations: maxIterations, dualWeights: nil)
    }

    /// `dualWeights`: the AM–GM dual's best weights when the caller has them (computed here otherwise).
    func minimize(tolerance: Double, maxIterations: Int, dualWeights: [Double]?) -> SubmodularMinimizer.Result {
        // Independent drafts: the AM–GM dual's best weights give one more half-space order to start from.
        var extra: [[Double]] = []
        if case .independent(let qs) = law.kind, qs.count >= 2 {
            extra.append(
                dualWeights ?? ProductDualBound.minimize(target: target, drafts: qs, tolerance: tolerance).weights)
        }
        return SubmodularMinimizer(groundSize: target.vocabularySize, vertex: greedyVertex)
            .minimize(
                initialOrders: startingOrders(extraWeightings: extra), tolerance: tolerance,
                maxIterations: maxIterations)
    }

    /// min F with a proof, by the fastest route that closes the gap: for independent drafts the AM–GM dual scan
    /// (``ProductDualBound``, a few sorts), and the minimum-norm-point algorithm (``minimize(tolerance:maxIterations:)``)
    /// for every other law or whenever the dual leaves a gap above `tolerance`.
    public func certifiedMinimum(tolerance: Double = 1e-12, maxIterations: Int = 2000) -> CertifiedMinimum {
        var dualWeights: [Double]? = nil
        if case .independent(let qs) = law.kind, qs.count >= 2 {
            let dual = ProductDualBound.minimize(target: target, drafts: qs, tolerance: tolerance)
            if dual.gap <= tolerance {
                return CertifiedMinimum(
                    lower: dual.lower, upper: dual.upper, minimizer: dual.minimizer,
                    iterations: dual.rounds, converged: true, route: .productDual)
            }
            dualWeights = dual.weights
        }
        if case .independent(let qs) = law.kind, qs.count == 2,
            let pair = pairParametricMinimum(tolerance: tolerance), pair.converged
        {
            return pair
        }
        if case .independent = law.kind {
            // A short run of the minimum-norm-point algorithm, then contraction to the tokens a minimiser can
            // still disagree on (exact enumeration or a minimisation over those alone).
            let first = minimize(
                tolerance: tolerance, maxIterations: min(maxIterations, Self.contractionStart),
                dualWeights: dualWeights)
            if first.converged {
                return CertifiedMinimum(
                    lower: first.lower, upper: first.upper, minimizer: first.minimizer,
                    iterations: first.iterations, converged: true, route: .minimumNormPoint)
            }
            if let contracted = contractedMinimum(from: first, tolerance: tolerance, maxIterations: maxIterations) {
                return contracted
            }
        }
        let result = minimize(tolerance: tolerance, maxIterations: maxIterations, dualWeights: dualWeights)
        return CertifiedMinimum(
            lower: result.lower, upper: result.upper, minimizer: result.minimizer,
            iterations: result.iterations, converged: result.converged, route: .minimumNormPoint)
    }

    /// Major iterations of the minimum-norm-point algorithm before contraction starts (independent drafts).
    static let contractionStart = 40

    /// min F bracketed: `lower` ≤ min F ≤ `upper` = F(`minimizer`).
    public struct CertifiedMinimum: Sendable {
        public enum Route: String, Sendable {
            /// ``ProductDualBound``: AM–GM weights c with the prefix scan of p / m_c (independent drafts).
            case productDual = "product-dual"
            /// ``SubmodularMinimizer``: a convex combination of greedy vertices (a base-polytope point).
            case minimumNormPoint = "min-norm-point"
            /// Two independent drafts: branch and bound over t = q₁(H) with the concave dual bounds of
            /// ``pairParametricMinimum(tolerance:maxIntervals:)``.
            case parametric
            /// The minimum-norm point's bracket closed by contraction of the ground set (independent drafts):
            /// base-polytope and marginal tests, then exact enumeration or minimisation of the undecided tokens.
            case contraction
        }
        public let lower: Double, upper: Double
        public let minimizer: [Int]
        /// Sorts (product dual) or major iterations (minimum-norm point).
        public let iterations: Int
        /// upper − lower ≤ tolerance.
        public let converged: Bool
        public let route: Route
        public var gap: Double { upper - lower }
    }

    /// Starting orders that put good candidate sets among the prefixes: increasing ratio p/q̄ for the mean draft
    /// marginal q̄ and for every single draft's q_i, and half-space orders p/(Σ c_i q_i) for a fan of directions c
    /// (the note's first-order condition for products of modular functions), then `extraWeightings`.
    public func startingOrders(directions: Int = 8, extraWeightings: [[Double]] = []) -> [[Int]] {
        let v = target.vocabularySize
        var marginals: [[Double]] = []
        switch law.kind {
        case .independent(let qs): marginals = qs.map(\.probabilities)
        default:
            if let q = law.draftDistribution {
                marginals = [q.probabilities]
            } else { // explicit law: the per-token draft frequency
                var f = [Double](repeating: 0, count: v)
                for set in sets ?? [] { for t in set.tokens { f[t] += set.mass } }
                marginals = [f]
            }
        }
        var weightings: [[Double]] = []
        let n = marginals.count
        weightings.append([Double](repeating: 1, count: n))
        if n > 1 {
            for i in 0..<n { weightings.append((0..<n).map { $0 == i ? 1 : 0 }) }
            if directions > 0 {
                for k in 1..<directions {
                    let angle = Double(k) / Double(directions) * Double.pi / 2
                    for i in 0..<n {
                        for j in (i + 1)..<n {
                            var c = [Double](repeating: 0.05, count: n)
                            c[i] = cos(angle); c[j] = sin(angle)
                            weightings.append(c)
                        }
                    }
                }
            }
        }
        weightings += extraWeightings.filter { $0.count == n }
        return weightings.map { c in
            let score = (0..<v).map { t -> Double in
                var s = 0.0
                for i in 0..<n { s += c[i] * marginals[i][t] }
                return s > 0 ? target[t] / s : .infinity
            }
            return (0..<v).sorted { score[$0] < score[$1] || (score[$0] == score[$1] && $0 < $1) }
        }
    }
}
