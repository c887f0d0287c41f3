import Distributions
import MultidraftSupport

/// The verifier test vectors VA–VE and toy3–5 of <doc:Theory#Test-vectors> (target p, draft q).
public enum TestVectors {
    static func d(_ v: [Double]) -> Distribution { try! Distribution(v) }

    public static let va = (p: d([0.5, 0.3, 0.2]), q: d([0.2, 0.3, 0.5]))
    public static let vb = (p: d([1, 0]), q: d([0.5, 0.5]))
    public static let vc = (p: d([0.6, 0.4]), q: d([0.6, 0.4]))
    public static let vd = (p: d([0.1, 0.2, 0.3, 0.4]), q: d([0.4, 0.3, 0.2, 0.1]))
    public static let ve = (p: d([0.05, 0.05, 0.6, 0.3]), q: d([0.7, 0.1, 0.1, 0.1]))
    public static let toy3 = (p: d([0.3, 0.4, 0.3]), q: d([0.6, 0.3, 0.1]))
    public static let toy5 = (p: d([0.05, 0.05, 0.5, 0.2, 0.2]), q: d([0.5, 0.2, 0.1, 0.1, 0.1]))

    /// A random instance over V tokens, as the toolkit's property tests draw them: depending on the seed, p and q
    /// have zero entries, p = q, or q lives where p is 0; q₂ is a second draft distribution.
    public static func instance(_ seed: Int, vocabulary v: Int) -> (p: Distribution, q: Distribution, q2: Distribution)
    {
        var rng = Xoshiro256(seed: UInt64(seed))
        let concentration = [0.3, 0.7, 1, 3][seed % 4]
        let p = Distribution.dirichlet(
            v, concentration: concentration, zeroFraction: seed % 3 == 0 ? 0.25 : 0, using: &rng)
        var q = Distribution.dirichlet(
            v, concentration: concentration, zeroFraction: seed % 5 == 0 ? 0.25 : 0, using: &rng)
        let q2 = Distribution.dirichlet(v, concentration: 1, using: &rng)
        if seed % 7 == 0 { q = p }
        if seed % 11 == 0, p.supportSize < v {
            let weights = (0..<v).map { p[$0] == 0 ? 1.0 + Double($0) : 0 }
            q = try! Distribution(normalizing: weights)
        }
        return (p, q, q2)
    }
}
