import AcceptanceBounds
import Distributions
import MultidraftSupport

/// Block verification of one draft chain x = (x_1..x_γ): the draft block is verified jointly, not token by token
/// (Sun, Mendlovic, Leviathan, Aharoni, Ro, Beirami, Suresh, "Block Verification Accelerates Speculative Decoding",
/// 2024, arXiv 2403.10444). The algorithm below is a **reconstruction** (the paper's own pseudo-code was not at hand),
/// checked here to be lossless by enumeration and to reach the block LP's L*(1, γ):
///
/// ```
/// w_0 = 1,  w_i = min(1, w_{i−1} p(x_i | x^{i−1}) / q(x_i | x^{i−1}))
/// r_i = Σ_y (w_i p(y | x^i) − q(y | x^i))_+,   h_i = r_i / (r_i + (1 − w_i))  (i < γ; 1 when the denominator is 0),
/// h_γ = w_γ
/// τ = the largest i with an independent Bernoulli(h_i) success (0 if none): accept x^τ, then emit one token from
///     p(· | x^γ) if τ = γ, else from norm((w_τ p(· | x^τ) − q(· | x^τ))_+)
/// ```
///
/// Its expected accepted tokens equal L*(1, γ) = Σ_a p(a) min_{b ⪯ a} min(1, q(b)/p(b)) (``BlockBound/singleChain(model:length:)``),
/// checked in the tests by enumeration.
///
/// - Complexity: O(γ V) per verified chain (the residual masses); exact values by enumeration of the V^γ chains.
public struct BlockVerification: Sendable {
    public let model: SequenceModel
    public let length: Int
    /// Alias tables of the draft's law per context (index 0: the first position; 1 + y: after token y).
    let draftTables: [AliasTable]

    public init(model: SequenceModel, length: Int) throws {
        guard length >= 1 else { throw BlockBoundError.invalidLength(length) }
        self.model = model
        self.length = length
        self.draftTables = model.contexts.map { AliasTable(weights: model.laws(after: $0).draft.probabilities) }
    }

    /// The emission law of one chain: P(τ = i) for i = 0...γ and, for each i, the law of the extra token.
    public struct Outcome: Sendable {
        public var stop: [Double]
        public var next: [[Double]]
    }

    /// The exact outcome law of verifying `chain` (γ tokens).
    public func outcome(chain x: [Int]) -> Outcome {
        let g = length
        var w = [Double](repeating: 1, count: g + 1)
        var laws: [(target: Distribution, draft: Distribution)] = []
        for i in 0...g {
            laws.append(model.laws(after: i == 0 ? nil : x[i - 1]))
        }
        for i in 1...g {
            let (p, q) = laws[i - 1]
            let ratio = q[x[i - 1]] > 0 ? p[x[i - 1]] / q[x[i - 1]] : 0
            w[i] = min(1, w[i - 1] * ratio)
        }
        var h = [Double](repeating: 0, count: g + 1)
        var residuals: [[Double]] = []
        for i in 0...g {
            let (p, q) = laws[i]
            if i == g {
                residuals.append(p.probabilities)
                h[i] = w[g]
                continue
            }
            var res = [Double](repeating: 0, count: p.vocabularySize)
            var r = 0.0
            for y in 0..<p.vocabularySize {
                res[y] = max(0, w[i] * p[y] - q[y])
                r += res[y]
            }
            residuals.append(r > 0 ? res.map { $0 / r } : p.probabilities)
            if i > 0 {
                let den = r + (1 - w[i])
                h[i] = den > 0 ? min(1, max(0, r / den)) : 1
            }
        }
        var stop = [Double](repeating: 0, count: g + 1)
        var left = 1.0
        for i in stride(from: g, through: 1, by: -1) {
            stop[i] = left * h[i]
            left -= stop[i]
        }
        stop[0] = max(0, left)
        return Outcome(stop: stop, next: residuals)
    }

    /// Exact expected accepted draft tokens (block efficiency − 1), by enumeration of every chain. O(V^γ · γ V).
    public func expectedAccepted() -> Double {
        var total = 0.0, c = 0.0
        forEachChain { x, qx in
            let o = outcome(chain: x)
            var e = 0.0
            for i in 1...length { e += Double(i) * o.stop[i] }
            compensatedAdd(&total, &c, qx * e)
        }
        return total + c
    }

    /// The exact law of the emitted block (accepted tokens plus the extra one), keyed by the block's tokens.
    public func blockLaw() -> [[Int]: Double] {
        var law: [[Int]: Double] = [:]
        forEachChain { x, qx in
            let o = outcome(chain: x)
            for i in 0...length where o.stop[i] > 0 {
                for (t, pt) in o.next[i].enumerated() where pt > 0 {
                    law[Array(x[0..<i]) + [t], default: 0] += qx * o.stop[i] * pt
                }
            }
        }
        return law
    }

    /// One verified chain drawn from the draft: the number of tokens the round produces (accepted + 1).
    public func sampleRound(using rng: inout some RandomNumberGenerator) -> Int {
        var x: [Int] = []
        for _ in 0..<length {
            let table = model.isContextFree ? draftTables[0] : draftTables[x.last.map { $0 + 1 } ?? 0]
            x.append(table.sample(using: &rng))
        }
        let o = outcome(chain: x)
        var u = Double.random(in: 0..<1, using: &rng)
        for i in stride(from: length, through: 0, by: -1) {
            if u < o.stop[i] { return i + 1 }
            u -= o.stop[i]
        }
        return 1
    }

    /// Monte Carlo block efficiency (tokens per round), seeded in chunks: independent of `threads`.
    public func simulate(trials: Int, seed: UInt64, threads: Int = 1) -> (mean: Double, standardError: Double) {
        simulateBlocks(trials: trials, seed: seed, threads: threads) { rng in sampleRound(using: &rng) }
    }

    private func forEachChain(_ body: ([Int], Double) -> Void) {
        let v = model.vocabularySize
        var x: [Int] = []
        func recurse(_ qx: Double) {
            if x.count == length { body(x, qx); return }
            let q = model.laws(after: x.last).draft
            for t in 0..<v where q[t] > 0 {
                x.append(t)
                recurse(qx * q[t])
                x.removeLast()
            }
        }
        recurse(1)
    }
}

/// Verifiers that judge a whole draft block jointly (rather than a token-level verifier applied node by node), by
/// name, for `block-efficiency --verifier`.
public enum BlockLevelVerifier: String, CaseIterable, Sendable {
    /// ``BlockVerification`` of one chain (K = 1).
    case block

    /// The largest number of draft chains the verifier is defined for.
    public var maxDrafts: Int { 1 }
}
