import MultidraftNumerics
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
/// The chain's first token may follow a law other than the model's draft (`firstDraft`): the law a selection rule
/// induces on the chain it picks among several (``SelectedChainVerification``). The algorithm then runs against that
/// chain law (first token from `firstDraft`, the model's draft after it), and stays lossless because it uses the law
/// the verified chain was actually drawn from.
///
/// - Complexity: context-free models: O(γ log V) per verified chain (the residual masses through ``ScaledResidual``),
///   O(V log V) setup, so Monte Carlo runs at LLM vocabulary sizes; Markov models: O(γ V) per chain. Exact values by
///   enumeration of the V^γ chains.
public struct BlockVerification: Sendable {
    public let model: SequenceModel
    public let length: Int
    /// The law of the chain's first token (the model's first-position draft unless given).
    public let firstDraft: Distribution
    /// Alias table of `firstDraft`.
    let firstTable: AliasTable
    /// Alias tables of the model's draft per context (index 0: the first position, or every position of a
    /// context-free model; 1 + y: after token y).
    let draftTables: [AliasTable]
    /// Alias tables of the target per context (same indexing): the extra token after a fully accepted chain.
    let targetTables: [AliasTable]
    /// norm((p − firstDraft)_+) at the first position and its mass (the extra token when nothing is accepted).
    let firstResidual: (mass: Double, table: AliasTable)
    /// Context-free models: the scaled residual of (p, q) at every later position.
    let scaled: ScaledResidual?

    public init(model: SequenceModel, length: Int, firstDraft: Distribution? = nil) throws {
        guard length >= 1 else { throw BlockBoundError.invalidLength(length) }
        if let firstDraft { try model.firstTarget.requireSameVocabulary(firstDraft, what: "first-token draft") }
        let first = firstDraft ?? model.firstDraft
        self.model = model
        self.length = length
        self.firstDraft = first
        firstTable = AliasTable(weights: first.probabilities)
        draftTables = model.contexts.map { AliasTable(weights: model.laws(after: $0).draft.probabilities) }
        targetTables = model.contexts.map { AliasTable(weights: model.laws(after: $0).target.probabilities) }
        let p0 = model.firstTarget.probabilities
        let residual = zip(p0, first.probabilities).map { max(0, $0 - $1) }
        let mass = residual.reduce(0, +)
        firstResidual = (mass, AliasTable(weights: mass > 0 ? residual : p0))
        scaled =
            model.isContextFree
            ? ScaledResidual(target: model.firstTarget.probabilities, draft: model.firstDraft.probabilities) : nil
    }

    /// The laws at position i of `x` (0: the first position, with the chain's first-token law).
    @inline(__always)
    func laws(_ i: Int, _ x: [Int]) -> (target: Distribution, draft: Distribution) {
        i == 0 ? (model.firstTarget, firstDraft) : model.laws(after: x[i - 1])
    }

    /// The emission law of one chain: P(τ = i) for i = 0...γ and, for each i, the law of the extra token.
    public struct Outcome: Sendable {
        public var stop: [Double]
        public var next: [[Double]]
    }

    /// The weights w_0..w_γ of `chain`: w_i = min(1, w_{i−1} p(x_i | x^{i−1}) / q(x_i | x^{i−1})).
    func weights(_ x: [Int]) -> [Double] {
        var w = [Double](repeating: 1, count: length + 1)
        for i in 1...length {
            let (p, q) = laws(i - 1, x)
            let ratio = q[x[i - 1]] > 0 ? p[x[i - 1]] / q[x[i - 1]] : 0
            w[i] = min(1, w[i - 1] * ratio)
        }
        return w
    }

    /// P(τ = i), i = 0...γ, of block verification of one chain from the scalars it depends on: the target and draft
    /// probabilities of the drafted tokens, p(x_i | x^{i−1}) and q(x_i | x^{i−1}) (i = 1..γ), and the residual masses
    /// r_i = Σ_y (w_i p(y | x^i) − q(y | x^i))_+ at the chain's own weights (i = 1..γ−1; entries beyond are ignored).
    ///
    /// This is what a model export can store per drafted chain (`trees.safetensors` of the real-model export), so the
    /// exact expected accepted length of a chain, Σ_i i·P(τ = i), needs no full distributions.
    /// - Precondition: `target.count == draft.count == γ ≥ 1`, every draft probability > 0, `residualMasses.count ≥ γ − 1`.
    /// - Complexity: O(γ).
    public static func stopLaw(
        targetProbabilities target: [Double], draftProbabilities draft: [Double],
        residualMasses r: [Double]
    ) -> [Double] {
        let g = target.count
        precondition(g >= 1 && draft.count == g && r.count >= g - 1)
        var w = [Double](repeating: 1, count: g + 1)
        for i in 1...g { w[i] = min(1, w[i - 1] * (draft[i - 1] > 0 ? target[i - 1] / draft[i - 1] : 0)) }
        return stopLaw(length: g, weights: w) { r[$0 - 1] }
    }

    /// P(τ = i), i = 0...γ, from the weights and the residual masses r_i (i = 1..γ−1).
    func stopLaw(weights w: [Double], residualMass r: (Int) -> Double) -> [Double] {
        Self.stopLaw(length: length, weights: w, residualMass: r)
    }

    static func stopLaw(length g: Int, weights w: [Double], residualMass r: (Int) -> Double) -> [Double] {
        var stop = [Double](repeating: 0, count: g + 1)
        var left = 1.0
        for i in stride(from: g, through: 1, by: -1) {
            let h: Double
            if i == g {
                h = w[g]
            } else {
                let ri = r(i), den = ri + (1 - w[i])
                h = den > 0 ? min(1, max(0, ri / den)) : 1
            }
            stop[i] = left * h
            left -= stop[i]
        }
        stop[0] = max(0, left)
        return stop
    }

    /// P(τ = i), i = 0...γ, for `chain`: O(γ log V) for context-free models, O(γ V) for Markov.
    public func stopLaw(chain x: [Int]) -> [Double] {
        let w = weights(x)
        if let scaled { return stopLaw(weights: w) { scaled.mass(w[$0]) } }
        return stopLaw(weights: w) { i in
            let (p, q) = laws(i, x)
            var r = 0.0
            for y in 0..<p.vocabularySize { r += max(0, w[i] * p[y] - q[y]) }
            return r
        }
    }

    /// The exact outcome law of verifying `chain` (γ tokens), with the extra token's law at every stopping point. O(γ V).
    public func outcome(chain x: [Int]) -> Outcome {
        let g = length
        let w = weights(x)
        var residuals: [[Double]] = []
        var masses = [Double](repeating: 0, count: g + 1)
        for i in 0...g {
            let (p, q) = laws(i, x)
            if i == g { residuals.append(p.probabilities); continue }
            var res = [Double](repeating: 0, count: p.vocabularySize)
            var r = 0.0
            for y in 0..<p.vocabularySize {
                res[y] = max(0, w[i] * p[y] - q[y])
                r += res[y]
            }
            masses[i] = r
            residuals.append(r > 0 ? res.map { $0 / r } : p.probabilities)
        }
        return Outcome(stop: stopLaw(weights: w) { masses[$0] }, next: residuals)
    }

    /// Draws the rest of a chain after `prefix` from the chain's law (the first token from `firstDraft`).
    public func extend(_ prefix: [Int], using rng: inout some RandomNumberGenerator) -> [Int] {
        var x = prefix
        while x.count < length {
            let table = x.isEmpty ? firstTable : draftTables[model.isContextFree ? 0 : x[x.count - 1] + 1]
            x.append(table.sample(using: &rng))
        }
        return x
    }

    /// Verifies `chain` and returns the emitted block: the accepted prefix x^τ and one extra token. O(γ log V)
    /// context-free, O(γ V) Markov.
    public func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> [Int] {
        let stop = stopLaw(chain: x)
        let tau = drawStop(stop, using: &rng)
        var block = Array(x[0..<tau])
        if tau == length {
            block.append(targetTables[model.isContextFree ? 0 : x[length - 1] + 1].sample(using: &rng))
        } else if tau == 0 {
            block.append(firstResidual.table.sample(using: &rng))
        } else {
            let w = weights(x)
            if let scaled, let y = scaled.sample(w[tau], uniform: rng.nextUniform()) {
                block.append(y)
            } else if scaled != nil {
                block.append(targetTables[0].sample(using: &rng))
            } else {
                let next = outcome(chain: x).next[tau]
                var u = rng.nextUniform(), y = next.lastIndex(where: { $0 > 0 }) ?? next.count - 1
                for (t, pt) in next.enumerated() where pt > 0 {
                    if u < pt { y = t; break }
                    u -= pt
                }
                block.append(y)
            }
        }
        return block
    }

    @inline(__always)
    func drawStop(_ stop: [Double], using rng: inout some RandomNumberGenerator) -> Int {
        var u = rng.nextUniform()
        for i in stride(from: length, through: 1, by: -1) {
            if u < stop[i] { return i }
            u -= stop[i]
        }
        return 0
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

    /// One verified chain drawn from the chain's law: the number of tokens the round produces (accepted + 1).
    public func sampleRound(using rng: inout some RandomNumberGenerator) -> Int {
        drawStop(stopLaw(chain: extend([], using: &rng)), using: &rng) + 1
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
            let q = x.isEmpty ? firstDraft : model.laws(after: x.last).draft
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
    /// ``SelectedChainVerification``: optimal first-token selection among K i.i.d. chains, then block verification of
    /// the selected chain.
    case selectBlock = "select-block"
    /// ``BlockLPVerifier``: the block LP's optimal plan as a verifier (small V).
    case blockLP = "block-lp"

    /// The largest number of draft chains the verifier is defined for.
    public var maxDrafts: Int {
        switch self {
        case .block: return 1
        case .selectBlock, .blockLP: return 64
        }
    }
}
