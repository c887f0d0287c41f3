/// λ* = the root of g(λ) = λ − t_t + W₀(λ) on (0, t_t] by bisection (Dinkelbach's reduction of the time-per-token
/// ratio to a one-round stopping problem; <doc:Theory#Candidate-length>).
///
/// ```
/// g(0) = −t_t < 0,   g(t_t) ≥ 0,   g increasing   ⇒   returns the smallest bracket end hi with g(hi) ≥ 0
/// ```
///
/// At most 200 halvings, stopping once the bracket no longer shrinks in floating point; also returns the number of
/// halvings.
func dinkelbachRoot(targetTime: Double, roundValue: (Double) -> Double) -> (root: Double, steps: Int) {
    var lo = 0.0, hi = targetTime
    var steps = 0
    while steps < 200 {
        let mid = 0.5 * (lo + hi)
        if mid <= lo || mid >= hi { break }
        steps += 1
        if mid - targetTime + roundValue(mid) >= 0 { hi = mid } else { lo = mid }
    }
    return (hi, steps)
}
