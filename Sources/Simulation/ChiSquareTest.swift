import MultidraftNumerics

/// Pearson's chi-square goodness-of-fit test of observed counts against probabilities, with pooling of rare cells.
///
/// ```
/// E_y = N p(y);  cells with E_y < 5 are pooled into one cell; if that cell is still below 5 it joins the smallest
/// other cell.  X² = Σ (O − E)² / E,  dof = cells − 1,  p-value = Q(dof/2, X²/2)
/// ```
///
/// A token with p(y) = 0 but a positive count is impossible under p: the statistic is +∞ and the p-value 0.
/// Fewer than two cells leave nothing to test: X² = 0, p-value 1.
///
/// - Complexity: O(V log V).
public struct ChiSquareTest: Sendable, Equatable {
    public let statistic: Double
    public let degreesOfFreedom: Int
    public let pValue: Double

    public static let minimumExpected = 5.0

    public init(counts: [Int], probabilities p: [Double]) {
        let n = Double(counts.reduce(0, +))
        var cells: [(observed: Double, expected: Double)] = []
        var pooled = (observed: 0.0, expected: 0.0)
        for y in counts.indices {
            let e = n * p[y], o = Double(counts[y])
            if p[y] <= 0 {
                if counts[y] > 0 { statistic = .infinity; degreesOfFreedom = 0; pValue = 0; return }
                continue
            }
            if e < Self.minimumExpected { pooled.observed += o; pooled.expected += e } else { cells.append((o, e)) }
        }
        if pooled.expected > 0 {
            if pooled.expected >= Self.minimumExpected || cells.isEmpty {
                cells.append(pooled)
            } else {
                let k = cells.indices.min { cells[$0].expected < cells[$1].expected }!
                cells[k].observed += pooled.observed
                cells[k].expected += pooled.expected
            }
        }
        guard cells.count >= 2 else { statistic = 0; degreesOfFreedom = 0; pValue = 1; return }
        var x2 = 0.0
        for c in cells { x2 += (c.observed - c.expected) * (c.observed - c.expected) / c.expected }
        statistic = x2
        degreesOfFreedom = cells.count - 1
        pValue = IncompleteGamma.upperRegularized(Double(degreesOfFreedom) / 2, x2 / 2)
    }
}
