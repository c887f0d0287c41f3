import Foundation

extension Distribution {
    /// A draw from the symmetric Dirichlet(concentration, …, concentration) on V tokens, optionally with some entries
    /// forced to zero (each token independently with probability `zeroFraction`, keeping at least one).
    ///
    /// Gamma variates by Marsaglia & Tsang (2000), boosted for shape < 1. Used for random test instances.
    public static func dirichlet(
        _ vocabularySize: Int, concentration: Double = 1, zeroFraction: Double = 0,
        using rng: inout some RandomNumberGenerator
    ) -> Distribution {
        precondition(vocabularySize >= 1 && concentration > 0)
        while true {
            var w = (0..<vocabularySize).map { _ in gammaVariate(shape: concentration, using: &rng) }
            if zeroFraction > 0 {
                for i in 0..<vocabularySize where rng.nextUniform() < zeroFraction { w[i] = 0 }
            }
            if let d = try? Distribution(normalizing: w) { return d }
        }
    }

    /// LLM-style synthetic logits: a Zipf-like profile ℓ_i = −s·log(1 + rank_i) over a random permutation of the
    /// vocabulary plus Gaussian noise of standard deviation `noise`.
    public static func zipfLogits(
        _ vocabularySize: Int, exponent s: Double = 1.1, noise: Double = 1, using rng: inout some RandomNumberGenerator
    ) -> [Double] {
        var ranks = Array(0..<vocabularySize)
        ranks.shuffle(using: &rng)
        return (0..<vocabularySize).map { i in -s * log(1 + Double(ranks[i])) + noise * gaussian(using: &rng) }
    }

    /// A standard normal variate (Box–Muller).
    public static func gaussian(using rng: inout some RandomNumberGenerator) -> Double {
        let u1 = Swift.max(rng.nextUniform(), 0x1p-60)
        let u2 = rng.nextUniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    static func gammaVariate(shape: Double, using rng: inout some RandomNumberGenerator) -> Double {
        if shape < 1 {
            let u = Swift.max(rng.nextUniform(), 0x1p-60)
            return gammaVariate(shape: shape + 1, using: &rng) * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat { x = gaussian(using: &rng); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = rng.nextUniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(Swift.max(u, 0x1p-60)) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }
}
