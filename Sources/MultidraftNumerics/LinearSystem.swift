/// Solves the small dense system A x = b given as the augmented k × (k + 1) matrix `a` (rows [A | b]), by Gaussian
/// elimination with partial pivoting; `a` is overwritten. Returns nil when a pivot is exactly 0 or the solution is
/// not finite.
///
/// - Complexity: O(k³); meant for the k ≤ a few dozen systems of Anderson mixing and of the fit's Newton steps.
package func solveLinearSystem(_ a: inout [[Double]], _ k: Int) -> [Double]? {
    for c in 0..<k {
        guard let pivot = (c..<k).max(by: { abs(a[$0][c]) < abs(a[$1][c]) }), a[pivot][c] != 0 else { return nil }
        a.swapAt(c, pivot)
        for r in (c + 1)..<k where a[r][c] != 0 {
            let f = a[r][c] / a[c][c]
            for j in c...k { a[r][j] -= f * a[c][j] }
        }
    }
    var x = [Double](repeating: 0, count: k)
    for r in stride(from: k - 1, through: 0, by: -1) {
        var s = a[r][k]
        for j in (r + 1)..<k { s -= a[r][j] * x[j] }
        x[r] = s / a[r][r]
    }
    return x.allSatisfy(\.isFinite) ? x : nil
}
