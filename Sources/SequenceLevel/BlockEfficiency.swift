import Distributions
import Foundation
import MultidraftSupport
import Verifiers

/// Block efficiency (expected tokens per target call) of a draft tree verified node by node: K draft sequences of
/// length L (SpecTr, Sun et al. 2023, arXiv 2310.15141; Khisti et al. 2025, arXiv 2410.18234) or, more generally, a
/// tree given by its branching per depth (b₁, …, b_L): every draft node at depth d − 1 has b_d children, each a token
/// drawn from the draft's next-token law in its context. K sequences are the branching (K, 1, …, 1).
///
/// At a level, the m surviving nodes' children — n = m · b_d tokens, drawn with the chosen law (i.i.d., or without
/// replacement among them) from q(· | context) — are the verifier's drafts; it outputs a token z; the c children
/// holding z survive and the next level follows; if c = 0 the block ends with z (the correction). After L accepted
/// levels the target adds its bonus token.
///
/// ```
/// E(L, m, y) = 1
/// E(d, m, y) = Σ_z P(z not drafted | n, y) + Σ_{z, c ≥ 1} P(output z, drafted c times | n, y) · (1 + E(d + 1, c, z))
/// block efficiency = E(0, 1, start),   n = m · b_{d+1}
/// ```
///
/// With K = 1 every lossless verifier is speculative sampling, and a chain gives Leviathan et al.'s
/// (1 − α^{L+1}) / (1 − α) in the context-free model.
public struct BlockEfficiency {
    public let model: SequenceModel
    public let law: DraftLawName
    /// b_d: children of every draft node at depth d − 1 (b₁ at the root).
    public let branching: [Int]
    public let verifierName: String
    let make: (Distribution, DraftLaw) throws -> any Verifier

    /// The most drafts one verification may see.
    public static let maxDraftsPerNode = 64

    public var length: Int { branching.count }
    /// Draft tokens in the tree (Σ_d Π_{e≤d} b_e).
    public var draftTokens: Int {
        var total = 0, width = 1
        for b in branching { width *= b; total += width }
        return total
    }

    /// K sequences of length L.
    public init(
        model: SequenceModel, law: DraftLawName, drafts: Int, length: Int, verifierName: String,
        make: @escaping (Distribution, DraftLaw) throws -> any Verifier
    ) throws {
        guard drafts >= 1, length >= 0 else {
            throw SequenceLevelError.invalidModel("the number of drafts must be >= 1 and the length >= 0")
        }
        try self.init(
            model: model, law: law, branching: length == 0 ? [] : [drafts] + Array(repeating: 1, count: length - 1),
            verifierName: verifierName, make: make)
    }

    /// A tree with the given branching per depth.
    public init(
        model: SequenceModel, law: DraftLawName, branching: [Int], verifierName: String,
        make: @escaping (Distribution, DraftLaw) throws -> any Verifier
    ) throws {
        guard law == .iid || law == .withoutReplacement else {
            throw SequenceLevelError.invalidModel(
                "block efficiency takes the iid or without-replacement law, not \(law.rawValue)")
        }
        guard branching.allSatisfy({ $0 >= 1 }) else {
            throw SequenceLevelError.invalidModel("branching factors must be >= 1")
        }
        var width = 1
        for b in branching {
            width *= b
            guard width <= Self.maxDraftsPerNode else {
                throw SequenceLevelError.tooLarge(
                    "a level of this tree holds \(width) draft nodes; at most \(Self.maxDraftsPerNode) drafts per verification"
                )
            }
        }
        (self.model, self.law, self.branching, self.verifierName, self.make) = (
            model, law, branching, verifierName, make
        )
    }

    func draftLaw(_ q: Distribution, _ n: Int) -> DraftLaw? {
        law == .iid ? try? DraftLaw.iid(q, drafts: n) : try? DraftLaw.withoutReplacement(q, drafts: n)
    }

    /// The draft counts n a verification can see: m · b_d for every reachable m at every depth.
    var draftCounts: [Int] {
        var counts = Set<Int>(), width = 1
        for b in branching {
            for m in 1...width { counts.insert(m * b) }
            width *= b
        }
        return counts.sorted()
    }

    /// Steps of the exact recursion's enumeration: Σ over contexts and draft counts n of Vⁿ tuples × V.
    public var exactWork: Double {
        let v = Double(model.vocabularySize)
        let contexts = Double(model.isContextFree ? 1 : model.vocabularySize + 1)
        return contexts * draftCounts.reduce(0) { $0 + pow(v, Double($1)) * v }
    }

    /// For every context (−1: the first position) and draft count n: the joint law of the node's output token z
    /// and its multiplicity c among the n drafts (c = 0: not drafted, the block ends with z), by enumerating every
    /// draft tuple through the verifier's exact output law.
    func nodeTables() throws -> [Int: [Int: [(z: Int, c: Int, probability: Double)]]] {
        let v = model.vocabularySize
        var joint: [Int: [Int: [(z: Int, c: Int, probability: Double)]]] = [:]
        for context in model.contexts {
            let (p, q) = model.laws(after: context)
            var byN: [Int: [(z: Int, c: Int, probability: Double)]] = [:]
            for n in draftCounts {
                guard let dl = draftLaw(q, n) else { continue }
                let verifier = try make(p, dl)
                var table = [Double](repeating: 0, count: v * (n + 1))
                for tuple in try dl.tupleLaw(maxTuples: Int.max) {
                    guard let outcome = verifier.conditionalOutcome(given: tuple.tokens) else {
                        throw SequenceLevelError.noExactOutcome(verifier: verifierName)
                    }
                    var count = [Int](repeating: 0, count: v)
                    for t in tuple.tokens { count[t] += 1 }
                    for z in 0..<v where outcome.outputLaw[z] > 0 {
                        table[z * (n + 1) + count[z]] += tuple.probability * outcome.outputLaw[z]
                    }
                }
                byN[n] = (0..<v).flatMap { z in
                    (0...n).compactMap { c in
                        table[z * (n + 1) + c] > 0 ? (z, c, table[z * (n + 1) + c]) : nil
                    }
                }
            }
            joint[context ?? -1] = byN
        }
        return joint
    }

    func refuseLargeEnumeration(_ maxWork: Double) throws {
        guard exactWork <= maxWork else {
            throw SequenceLevelError.exactTooLarge(
                String(
                    format:
                        "exact recursion needs about %.3g steps (V^n tuples for up to %d drafts per node and %d contexts; limit %.3g)",
                    exactWork, draftCounts.last ?? 0, model.isContextFree ? 1 : model.vocabularySize + 1, maxWork))
        }
    }

    /// The exact block efficiency by the recursion above.
    public func exact(maxWork: Double = 5e7) throws -> Double {
        try refuseLargeEnumeration(maxWork)
        let joint = try nodeTables()
        let contexts = model.contexts.map { $0 ?? -1 }
        // e[m][context] at depth d + 1, from the last level up.
        var widths = [1]
        for b in branching { widths.append(widths.last! * b) }
        var next = [Int: [Int: Double]]()
        for m in 1...widths[length] { for key in contexts { next[m, default: [:]][key] = 1 } }
        for d in stride(from: length - 1, through: 0, by: -1) {
            var current = [Int: [Int: Double]]()
            for m in 1...widths[d] {
                for key in contexts {
                    var value = 0.0
                    for (z, c, pr) in joint[key]?[m * branching[d]] ?? [] {
                        value += c == 0 ? pr : pr * (1 + next[c]![model.isContextFree ? -1 : z]!)
                    }
                    current[m, default: [:]][key] = value
                }
            }
            next = current
        }
        return next[1]![-1]!
    }

    /// The exact law of the first `tokens` generated tokens when blocks are run one after another (each new block
    /// starts in the context of the last emitted token), by enumerating every path. Lossless verification makes it
    /// the target's own law: P(x₁..x_T) = p(x₁) Π p(x_{t+1} | x_t). For property tests at small V and T.
    public func generatedSequenceLaw(tokens horizon: Int, maxWork: Double = 5e7) throws -> [[Int]: Double] {
        try refuseLargeEnumeration(maxWork / Double(max(1, horizon)))
        let joint = try nodeTables()
        var law: [[Int]: Double] = [:]
        func node(_ prefix: [Int], _ pr: Double, depth d: Int, alive m: Int, context: Int) {
            if prefix.count >= horizon { law[Array(prefix.prefix(horizon)), default: 0] += pr; return }
            if d == length { // the target's bonus token, then a new block
                let p = model.laws(after: context < 0 ? nil : context).target
                for z in 0..<p.vocabularySize where p[z] > 0 { block(prefix + [z], pr * p[z]) }
                return
            }
            for (z, c, q) in joint[model.isContextFree ? -1 : context]?[m * branching[d]] ?? [] {
                if c == 0 {
                    block(prefix + [z], pr * q)
                } else {
                    node(prefix + [z], pr * q, depth: d + 1, alive: c, context: z)
                }
            }
        }
        func block(_ prefix: [Int], _ pr: Double) {
            if prefix.count >= horizon { law[Array(prefix.prefix(horizon)), default: 0] += pr; return }
            node(prefix, pr, depth: 0, alive: 1, context: prefix.last ?? -1)
        }
        block([], 1)
        return law
    }

    /// Monte Carlo: `trials` blocks, in chunks of 10,000 with streams (seed, chunk) so the result does not depend
    /// on `threads`. Returns the mean tokens per block and its standard error. O(tree size) per block after setup.
    public func simulate(trials: Int, seed: UInt64, threads: Int = 1) throws -> (mean: Double, standardError: Double) {
        precondition(trials >= 1)
        var nodes: [Int: [Int: (sampler: DraftSampler, verifier: any Verifier)]] = [:]
        for context in model.contexts {
            let (p, q) = model.laws(after: context)
            for n in draftCounts {
                guard let dl = draftLaw(q, n) else { continue }
                nodes[context ?? -1, default: [:]][n] = (dl.makeSampler(), try make(p, dl))
            }
        }
        return simulateBlocks(trials: trials, seed: seed, threads: threads) { rng in
            var tokens = [Int]()
            var context = -1, alive = 1, produced = 0, depth = 0
            while true {
                if depth == length { produced += 1; break }
                guard let node = nodes[context]?[alive * branching[depth]] else { produced += 1; break }
                node.sampler.sample(into: &tokens, using: &rng)
                let outcome = node.verifier.verify(tokens, using: &rng)
                produced += 1
                let c = tokens.reduce(0) { $0 + ($1 == outcome.token ? 1 : 0) }
                if c == 0 { break }
                alive = c
                context = model.isContextFree ? -1 : outcome.token
                depth += 1
            }
            return produced
        }
    }
}

/// Runs `trials` blocks in chunks of 10,000, chunk k on the stream (seed, k), so the result does not depend on
/// `threads`; `block` returns the tokens one block produced. Returns their mean and its standard error.
func simulateBlocks(
    trials: Int, seed: UInt64, threads: Int, _ block: (inout Xoshiro256) -> Int
)
    -> (mean: Double, standardError: Double)
{
    let chunk = 10_000
    let chunks = (trials + chunk - 1) / chunk
    let sums: [(Double, Double)] = parallelMap(count: chunks, threads: threads) { k in
        var rng = Xoshiro256(seed: seed, stream: UInt64(k))
        var s = 0.0, s2 = 0.0
        for _ in 0..<min(chunk, trials - k * chunk) {
            let produced = Double(block(&rng))
            s += produced; s2 += produced * produced
        }
        return (s, s2)
    }
    let total = sums.reduce(0) { $0 + $1.0 }, total2 = sums.reduce(0) { $0 + $1.1 }
    let mean = total / Double(trials)
    let variance = max(0, total2 / Double(trials) - mean * mean) * Double(trials) / Double(max(1, trials - 1))
    return (mean, (variance / Double(trials)).squareRoot())
}
