import Foundation

/// Trapezoid rules on a geometric lattice x_k = x₀ρ^k (step h = ln ρ in log x) and the weights that continue such a
/// lattice below its first node.
///
/// A trapezoid rule in log x sums h·x_k·f(x_k) over k ∈ ℤ; for an integrand analytic in a strip around the real
/// log-x axis its error falls like e^{−π²/h}. Stopping the lattice at x₀ drops Σ_{k≥1} h·x₀ρ^{−k}·f(x₀ρ^{−k}); when
/// f(x) = x^{power−1}·P(x) with P smooth at 0, that sum is approximated by replacing P with its interpolating
/// polynomial through the first K nodes, which turns it into fixed weights on f at those nodes
/// (``continuationWeights(pointsPerDecade:power:shift:)``). The race quadratures of the toolkit start their lattices
/// at ~10⁻² of the integrand's scale this way instead of at 10⁻¹⁷ of its mass (derived here; the bounds on the
/// interpolation error are stated where each rule is used).
package enum GeometricLattice {
    /// K, the nodes of the polynomial that continues a lattice below its first node.
    package static let continuationNodes = 7

    /// δ_i = ρ^{−i·shift} Σ_{k≥1} ρ^{−k·power} L_i(ρ^{−k}) for i < K (``continuationNodes``), ρ = 10^{1/pointsPerDecade},
    /// L_i the Lagrange basis polynomials of the nodes 1, ρ, …, ρ^{K−1}: with f(x) = x^{power−1}·P(x) (in dx) given at
    /// the nodes as x^{shift}·P(x) times a fixed factor,
    ///
    /// ```
    /// Σ_{k≥1} h·x_{−k}·f(x_{−k}) = Σ_{i<K} h·x₀·δ_i·f(x_i)     exactly when P is a polynomial of degree < K
    /// ```
    ///
    /// (the s rule: power 1, shift 0; the τ and t rules: power n + 1, shift n, as f = τⁿh is given at the nodes).
    /// Summed directly until ρ^{−k·power} < 10⁻³⁰. |δ_i| stays below ~40 for power ≥ 3 at 12 points per decade and
    /// below ~10³ for power 1 at 10.
    package static func continuationWeights(pointsPerDecade: Double, power: Int, shift: Int) -> [Double] {
        let k = continuationNodes
        let rho = exp(log(10.0) / pointsPerDecade)
        let nodes = (0..<k).map { pow(rho, Double($0)) }
        let decay = pow(rho, -Double(power))
        return (0..<k).map { i in
            var total = 0.0, x = 1.0, weight = 1.0
            while weight > 1e-30 {
                x /= rho
                weight *= decay
                var basis = 1.0
                for j in 0..<k where j != i { basis *= (x - nodes[j]) / (nodes[i] - nodes[j]) }
                total += weight * basis
            }
            return total * pow(rho, -Double(i * shift))
        }
    }

    /// The weights (in dx) of the trapezoid rule in log x on the nodes x_i = x₀ρ^i (i < count, step h = ln ρ):
    /// h·x_i, half at the last node (the bi-infinite rule cut above), plus h·x₀·δ_i on the first K nodes for the
    /// lattice below x₀ (`continuation`, from ``continuationWeights(pointsPerDecade:power:shift:)``). The optimal
    /// verifier's s and τ rules take their weights here; the race's t rule keeps the same weights divided by its nodes
    /// (its summand carries the factor t), so that r\* is computed as before.
    package static func trapezoidWeights(nodes x: [Double], step h: Double, continuation: [Double]) -> [Double] {
        precondition(x.count > continuation.count)
        var weights = x.map { h * $0 }
        weights[x.count - 1] *= 0.5
        for (i, delta) in continuation.enumerated() { weights[i] += h * x[0] * delta }
        return weights
    }
}
