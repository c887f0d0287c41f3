import Foundation
import Multidraft

/// LLM-style synthetic next-token distributions: Zipf-like target logits, draft logits = target logits + noise,
/// both softmaxed at a temperature. The pair depends only on (seed, V, noise), so every method, n and temperature
/// sees the same logits.
public enum SyntheticLLM {
    public static func pair(
        vocabularySize v: Int, temperature: Double, noise: Double = 1, seed: UInt64
    )
        throws -> (target: Distribution, draft: Distribution)
    {
        var rng = Xoshiro256(seed: seed, stream: 0x5EED_0000 &+ UInt64(v))
        let target = Distribution.zipfLogits(v, exponent: 1.1, noise: 1, using: &rng)
        let draft = target.map { $0 + noise * Distribution.gaussian(using: &rng) }
        return (
            try Distribution(logits: target, temperature: temperature),
            try Distribution(logits: draft, temperature: temperature)
        )
    }
}
