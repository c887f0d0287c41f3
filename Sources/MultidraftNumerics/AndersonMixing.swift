/// Anderson acceleration of a fixed-point iteration x ← x + g(x) (type II, least squares over the last `depth`
/// differences): given the iterates x_k and residuals g_k,
///
/// ```
/// γ = argmin ‖g_k − ΔG γ‖₂,   x_{k+1} = x_k + g_k − (ΔX + ΔG) γ,   ΔX, ΔG = columns x_k − x_{k−i}, g_k − g_{k−i}
/// ```
///
/// The small least-squares problem is solved by its normal equations with a relative Tikhonov term of 1e-12 (the
/// step only has to be good, not exact: every iterate is evaluated and the best one kept by the caller). With one
/// stored iterate the step is the plain x + g.
///
/// Reference: D. G. Anderson, "Iterative procedures for nonlinear integral equations", J. ACM 12 (1965); H. Walker
/// and P. Ni, "Anderson acceleration for fixed-point iterations", SIAM J. Numer. Anal. 49 (2011).
package struct AndersonMixing {
    let depth: Int
    private var points: [[Double]] = []
    private var residuals: [[Double]] = []

    package init(depth: Int) { self.depth = max(1, depth) }

    /// Forgets the stored iterates: the next step is the plain x + g.
    package mutating func reset() {
        points.removeAll(keepingCapacity: true)
        residuals.removeAll(keepingCapacity: true)
    }

    package mutating func next(point x: [Double], residual g: [Double]) -> [Double] {
        points.append(x)
        residuals.append(g)
        if points.count > depth { points.removeFirst(); residuals.removeFirst() }
        let m = points.count - 1
        var out = zip(x, g).map { $0 + $1 }
        guard m >= 1 else { return out }
        let last = points.count - 1
        let dG = (1...m).map { k in zip(residuals[last], residuals[last - k]).map { $0 - $1 } }
        let dX = (1...m).map { k in zip(points[last], points[last - k]).map { $0 - $1 } }
        // Normal equations (ΔGᵀΔG + λI) γ = ΔGᵀ g.
        var a = [[Double]](repeating: [Double](repeating: 0, count: m + 1), count: m)
        var trace = 0.0
        for i in 0..<m {
            for j in 0..<m { a[i][j] = dot(dG[i], dG[j]) }
            a[i][m] = dot(dG[i], g)
            trace += a[i][i]
        }
        guard trace > 0, trace.isFinite else { return out }
        for i in 0..<m { a[i][i] += 1e-12 * trace / Double(m) }
        guard let gamma = solveLinearSystem(&a, m) else { return out }
        for k in 0..<m where gamma[k] != 0 {
            for i in 0..<out.count { out[i] -= gamma[k] * (dX[k][i] + dG[k][i]) }
        }
        return out
    }

    private func dot(_ u: [Double], _ v: [Double]) -> Double {
        var s = 0.0
        for i in 0..<u.count { s += u[i] * v[i] }
        return s
    }
}
