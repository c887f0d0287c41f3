/// A running sum by Neumaier's compensated summation: error ≤ 2ε·Σ|v| + O(nε²)·Σ|v| whatever the order and length
/// of the terms (a plain sum of 152,064 terms misses by ~10⁻¹⁴ relative). Shared by ``Distribution``'s validation,
/// ``sumPositive(_:)`` and ``AliasTable``.
struct NeumaierSum {
    private var sum = 0.0, compensation = 0.0

    mutating func add(_ v: Double) {
        let t = sum + v
        compensation += abs(sum) >= abs(v) ? (sum - t) + v : (v - t) + sum
        sum = t
    }

    /// The compensated total.
    var value: Double { sum + compensation }
}
