// Compensated summation, shared by the scans, the minimisers and the quadratures.

/// Compensated (Kahan) addition of non-negative terms: `compensation` carries the running total to about
/// one ulp, independent of the number of terms. Branch-free; valid because every term is ≥ 0.
@inlinable
package func compensatedAdd(_ sum: inout Double, _ compensation: inout Double, _ x: Double) {
    let y = x + compensation
    let t = sum + y
    compensation = y - (t - sum)
    sum = t
}

/// A running compensated sum of non-negative terms (``compensatedAdd(_:_:_:)`` with its state in one value).
package struct KahanSum {
    package private(set) var value = 0.0
    private var compensation = 0.0

    package init(starting value: Double = 0) { self.value = value }

    package mutating func add(_ x: Double) { compensatedAdd(&value, &compensation, x) }
}
