import Foundation

extension Double {
    /// An estimated count for a message: the integer when it is below 10¹⁵ ("1001000"), else scientific ("4.2e+602"),
    /// "infinitely many" when not finite. Never traps (`Int(_:)` does on infinite or huge values).
    package var countDescription: String {
        guard isFinite else { return "infinitely many" }
        if abs(self) < 1e15 { return String(Int(rounded())) }
        return String(format: "%.3g", self)
    }
}
