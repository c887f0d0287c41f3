import Foundation
import Distributions
import MultidraftSupport
import Verifiers

/// Block efficiency (expected tokens per target call) of K draft sequences of length L verified node by node
/// (SpecTr, Sun et al. 2023, arXiv 2310.15141; Khisti et al. 2025, arXiv 2410.18234): at a node, the m sequences
/// consistent with the accepted prefix offer their next tokens (n = m drafts of the chosen law from the draft's
/// next-token law in that context); the verifier outputs a token; if it equals some of the drafts, the c sequences
/// holding it survive and the next node follows; otherwise the block ends with that (correction) token. After L
/// accepted levels the target adds its bonus token.
///
/// ```
/// E(L, m, y) = 1
/// E(d, m, y) = P_reject + Σ_{z, c ≥ 1} P(output z, z drafted c times | m, y) · (1 + E(d + 1, c, z))
/// block efficiency = E(0, K, start)
/// ```
///
/// With K = 1 every lossless verifier is speculative sampling, and a chain gives Leviathan et al.'s
/// (1 − α^{L+1}) / (1 − α) in the context-free model.
public struct BlockEfficiency {
    public let model: SequenceModel
    public let law: DraftLawName
    public let drafts: Int
    public let length: Int
    public let verifierName: String
    let make: (Distribution, DraftLaw) throws -> any Verifier

    /// - Parameters: `law` iid or without-replacement (applied to the surviving sequences' next tokens at each
    ///   node); `make` builds the verifier for a node's (p, draft law) (e.g. a registry entry's factory).
    public init(model: SequenceModel, law: DraftLawName, drafts: Int, length: Int, verifierName: String,
                make: @escaping (Distribution, DraftLaw) throws -> any Verifier) throws {
        guard law == .iid || law == .withoutReplacement else {
            throw SequenceLevelError.invalidModel("block efficiency takes the iid or without-replacement law, not \(law.rawValue)")
        }
        guard drafts >= 1, length >= 0 else { throw SequenceLevelError.invalidModel("--drafts must be >= 1 and --length >= 0") }
        (self.model, self.law, self.drafts, self.length, self.verifierName, self.make) =
            (model, law, drafts, length, verifierName, make)
    }

    func draftLaw(_ q: Distribution, _ m: Int) -> DraftLaw? {
        law == .iid ? try? DraftLaw.iid(q, drafts: m) : try? DraftLaw.withoutReplacement(q, drafts: m)
    }

    /// Steps of the exact recursion's enumeration: Σ over contexts and m ≤ K of V^m tuples × V.
    public var exactWork: Double {
        let v = Double(model.vocabularySize)
        let contexts = Double(model.isContextFree ? 1 : model.vocabularySize + 1)
        return contexts * (1...drafts).reduce(0) { $0 + pow(v, Double($1)) * v }
    }

    /// The exact block efficiency by the recursion above; the per-node joint law of (output, multiplicity) is
    /// computed by enumerating every draft tuple through the verifier's exact output law.
    public func exact(maxWork: Double = 5e7) throws -> Double {
        guard exactWork <= maxWork else {
            throw SequenceLevelError.tooLarge(String(format: "exact recursion needs about %.3g steps (V^m tuples over m <= %d drafts and %d contexts; limit %.3g): use --trials", exactWork, drafts, model.isContextFree ? 1 : model.vocabularySize + 1, maxWork))
        }
        let joint = try nodeTables()
        // E over depths, from the last level up: e[m][context] at depth d.
        var next = [Int: [Int: Double]]()   // depth d + 1
        for d in stride(from: length, through: 0, by: -1) {
            var current = [Int: [Int: Double]]()
            for m in 1...drafts {
                for context in model.contexts {
                    let key = context ?? -1
                    if d == length { current[m, default: [:]][key] = 1; continue }
                    var accepted = 0.0, value = 0.0
                    for (z, c, pr) in joint[key]?[m] ?? [] where c >= 1 {
                        let after = model.isContextFree ? -1 : z
                        accepted += pr
                        value += pr * (1 + next[c]![after]!)
                    }
                    current[m, default: [:]][key] = value + max(0, 1 - accepted)
                }
            }
            next = current
        }
        return next[drafts]![-1]!
    }

    /// For every context (−1: the first position) and surviving count m: the joint law of the node's output token z
    /// and its multiplicity c among the m drafts (c = 0: not drafted, the block ends with z), by enumerating every
    /// draft tuple through the verifier's exact output law.
    func nodeTables() throws -> [Int: [Int: [(z: Int, c: Int, probability: Double)]]] {
        let v = model.vocabularySize
        var joint: [Int: [Int: [(z: Int, c: Int, probability: Double)]]] = [:]
        for context in model.contexts {
            let (p, q) = model.laws(after: context)
            var byM: [Int: [(z: Int, c: Int, probability: Double)]] = [:]
            for m in 1...drafts {
                guard let dl = draftLaw(q, m) else { continue }
                let verifier = try make(p, dl)
                var table = [Double](repeating: 0, count: v * (m + 1))
                for tuple in try dl.tupleLaw(maxTuples: Int.max) {
                    guard let outcome = verifier.conditionalOutcome(given: tuple.tokens) else {
                        throw SequenceLevelError.noExactOutcome(verifier: verifierName)
                    }
                    var count = [Int](repeating: 0, count: v)
                    for t in tuple.tokens { count[t] += 1 }
                    for z in 0..<v where outcome.outputLaw[z] > 0 {
                        table[z * (m + 1) + count[z]] += tuple.probability * outcome.outputLaw[z]
                    }
                }
                byM[m] = (0..<v).flatMap { z in (0...m).compactMap { c in
                    table[z * (m + 1) + c] > 0 ? (z, c, table[z * (m + 1) + c]) : nil } }
            }
            joint[context ?? -1] = byM
        }
        return joint
    }

    /// The exact law of the first `tokens` generated tokens when blocks are run one after another (each new block
    /// starts in the context of the last emitted token), by enumerating every path. Lossless verification makes it
    /// the target's own law: P(x₁..x_T) = p(x₁) Π p(x_{t+1} | x_t). For property tests at small V and T.
    public func generatedSequenceLaw(tokens horizon: Int, maxWork: Double = 5e7) throws -> [[Int]: Double] {
        guard exactWork * Double(horizon) <= maxWork else {
            throw SequenceLevelError.tooLarge(String(format: "sequence enumeration needs about %.3g steps (limit %.3g)", exactWork * Double(horizon), maxWork))
        }
        let joint = try nodeTables()
        var law: [[Int]: Double] = [:]
        /// Continues from a node: `prefix` emitted so far with probability `pr`; node at depth d with m drafts.
        func node(_ prefix: [Int], _ pr: Double, depth d: Int, alive m: Int, context: Int) {
            if prefix.count >= horizon { law[Array(prefix.prefix(horizon)), default: 0] += pr; return }
            let key = model.isContextFree ? -1 : context
            if d == length {   // the target's bonus token, then a new block
                let p = model.laws(after: context < 0 ? nil : context).target
                for z in 0..<p.vocabularySize where p[z] > 0 { block(prefix + [z], pr * p[z]) }
                return
            }
            for (z, c, q) in joint[key]?[m] ?? [] {
                if c == 0 { block(prefix + [z], pr * q) } else { node(prefix + [z], pr * q, depth: d + 1, alive: c, context: z) }
            }
        }
        func block(_ prefix: [Int], _ pr: Double) {
            if prefix.count >= horizon { law[Array(prefix.prefix(horizon)), default: 0] += pr; return }
            node(prefix, pr, depth: 0, alive: drafts, context: prefix.last ?? -1)
        }
        block([], 1)
        return law
    }

    /// Monte Carlo: `trials` blocks, in chunks of 10,000 with streams (seed, chunk) so the result does not depend
    /// on `threads`. Returns the mean tokens per block and its standard error.
    public func simulate(trials: Int, seed: UInt64, threads: Int = 1) throws -> (mean: Double, standardError: Double) {
        precondition(trials >= 1)
        // Verifiers and samplers per (context, m), built once.
        var nodes: [Int: [Int: (sampler: DraftSampler, verifier: any Verifier)]] = [:]
        for context in model.contexts {
            let (p, q) = model.laws(after: context)
            for m in 1...drafts {
                guard let dl = draftLaw(q, m) else { continue }
                nodes[context ?? -1, default: [:]][m] = (dl.makeSampler(), try make(p, dl))
            }
        }
        let chunk = 10_000
        let chunks = (trials + chunk - 1) / chunk
        let sums: [(Double, Double)] = parallelMap(count: chunks, threads: threads) { k in
            var rng = Xoshiro256(seed: seed, stream: UInt64(k))
            var s = 0.0, s2 = 0.0
            var surviving = [Int](), tokens = [Int]()
            for _ in 0..<min(chunk, trials - k * chunk) {
                var context = -1
                var alive = drafts
                var produced = 0
                var depth = 0
                while true {
                    if depth == length { produced += 1; break }
                    guard let node = nodes[context]?[alive] else { produced += 1; break }
                    node.sampler.sample(into: &tokens, using: &rng)
                    let outcome = node.verifier.verify(tokens, using: &rng)
                    produced += 1
                    surviving.removeAll(keepingCapacity: true)
                    for t in tokens where t == outcome.token { surviving.append(t) }
                    if surviving.isEmpty { break }
                    alive = surviving.count
                    context = model.isContextFree ? -1 : outcome.token
                    depth += 1
                }
                s += Double(produced); s2 += Double(produced * produced)
            }
            return (s, s2)
        }
        let total = sums.reduce(0) { $0 + $1.0 }, total2 = sums.reduce(0) { $0 + $1.1 }
        let mean = total / Double(trials)
        let variance = max(0, total2 / Double(trials) - mean * mean) * Double(trials) / Double(max(1, trials - 1))
        return (mean, (variance / Double(trials)).squareRoot())
    }
}
