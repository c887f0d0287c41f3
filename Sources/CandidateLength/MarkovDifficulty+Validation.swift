/// Checks the inputs shared by the observed- and hidden-state Markov difficulty models and returns the sorted union
/// of the acceptance values of all states.
///
/// ```
/// S ≥ 1 states,  K_max ≥ 1,  P ∈ [0, ∞)^{S×S} with rows summing to 1 (±1e-9),  μ ∈ [0, ∞)^S summing to 1 (±1e-9)
/// ```
func validateMarkovDifficulty(
    laws: [AcceptanceLaw], transition: [[Double]], initial: [Double], maxLength: Int
) throws
    -> [Double]
{
    let s = laws.count
    guard s >= 1 else { throw CandidateLengthError.invalidMarkovModel("needs at least one difficulty state") }
    guard maxLength >= 1 else {
        throw CandidateLengthError.invalidLength(name: "max length", value: maxLength, detail: "must be >= 1")
    }
    guard transition.count == s, transition.allSatisfy({ $0.count == s }) else {
        throw CandidateLengthError.invalidMarkovModel("transition matrix must be \(s)x\(s)")
    }
    guard initial.count == s else {
        throw CandidateLengthError.invalidMarkovModel("initial law must have \(s) entries")
    }
    for (name, row) in transition.enumerated().map({ ("transition row \($0.offset)", $0.element) }) + [
        ("initial law", initial)
    ] {
        guard row.allSatisfy({ $0.isFinite && $0 >= 0 }), abs(row.reduce(0, +) - 1) <= 1e-9 else {
            throw CandidateLengthError.invalidMarkovModel("\(name) must be non-negative and sum to 1")
        }
    }
    return Array(Set(laws.flatMap(\.values))).sorted()
}
