import MultidraftNumerics
import AcceptanceBounds
import Distributions
import Foundation
import Solvers
import MultidraftSupport

/// The block LP's optimal plan used as a verifier (`block-lp`): given K i.i.d. draft chains d, emit the block y (an
/// accepted prefix of one of the chains, then one more token) with probability u(d, y)/Q(d), where u solves the block
/// LP in its definition form (sequence-level theory §3):
///
/// ```
/// maximise Σ_d Σ_y u(d, y) (|y| − 1)
/// subject to Σ_y u(d, y) = Q(d)                                   for every ordered tuple d of K chains
///            Σ_d Σ_{k=1..γ+1} u(d, z_1..z_k) / p(z_1..z_k) = 1       for every path z of length γ + 1 with p(z) > 0
///            u ≥ 0, u(d, y) = 0 unless y's first |y| − 1 tokens are a prefix of a chain of d
/// ```
///
/// GLPK solves it in the shares x(d, y) = u(d, y)/Q(d) ∈ [0, 1] with every losslessness row multiplied by p(z), so
/// that each coefficient, Q(d) p(z | y), lies in (0, 1], and with GLPK's automatic scaling: written in u, the
/// coefficients 1/Q(d) and 1/p(y) spanned ten orders of magnitude on the real model's trees and GLPK's simplex failed
/// on 5 of 24 of them (6 of 24 in the shares without scaling). Where the scaled optimum's cleaned plan misses a
/// losslessness row by more than 1e-9 (the scaled tolerances are looser in the original units: 2.8e-9 on one real
/// tree), the unscaled simplex and then GLPK's exact rational simplex (at most a minute) are tried. On the real trees
/// every plan lands within 2e-7 of the certified `block-bound` value (1e-8 on the synthetic models).
///
/// The second family says that the emitted block, continued by the target, is the target's law on every path:
/// the verifier is lossless by construction, and its expected accepted length is the LP's optimum L*(K, γ), the largest
/// any lossless verifier of K i.i.d. chains can reach. The plan is read from GLPK's basic solution, negative entries
/// (rounding) set to 0 and each tuple's row renormalised; ``expectedAccepted()`` and ``blockLaw()`` are exact for that
/// cleaned plan, and the construction fails unless ``losslessDeviation()`` ≤ 1e-9.
///
/// For a Markov model the plan may use the target's law after a token no draft proposed, which a deployed verifier
/// does not see; for context-free models it uses nothing but (p, q).
///
/// - Complexity: the LP has up to V^(γK) · V (1 + Kγ) variables (ordered tuples times candidate blocks) and
///   V^(γK) + V^(γ+1) rows: small V only (refused beyond `maxVariables` variables or `maxEntries` matrix entries). A round draws K chains (O(Kγ)) and one alias
///   draw from its tuple's plan (O(1)).
public struct BlockLPVerifier: Sendable {
    public let model: SequenceModel
    public let drafts: Int
    public let length: Int
    /// L*(K, γ): the LP's optimal objective.
    public let optimum: Double
    /// The plan per ordered tuple (indexed by the tuple's code, chains as base-V^γ digits): blocks and their
    /// conditional probabilities u(d, y)/Q(d).
    let plans: [(blocks: [[Int]], probabilities: [Double])]
    let tables: [AliasTable?]
    let chainCount: Int
    let firstDraftTable: AliasTable
    let draftTables: [AliasTable]

    /// The LP's size for (V, K, γ): ordered tuples times candidate blocks per tuple, an upper estimate.
    public static func estimatedVariables(vocabularySize v: Int, drafts k: Int, length g: Int) -> Double {
        pow(Double(v), Double(g * k)) * Double(v) * Double(1 + k * g)
    }

    /// The LP's constraint-matrix entries for (V, K, γ), an upper estimate: per tuple, a block after the empty prefix
    /// appears in V^γ losslessness rows, one after a chain prefix of length j in V^(γ−j) (at most K chains).
    public static func estimatedEntries(vocabularySize v: Int, drafts k: Int, length g: Int) -> Double {
        let vv = Double(v)
        let perTuple = pow(vv, Double(g + 1)) + Double(k) * (1...g).reduce(0.0) { $0 + pow(vv, Double($1)) }
        return pow(vv, Double(g * k)) * perTuple + estimatedVariables(vocabularySize: v, drafts: k, length: g)
    }

    /// The default limits: LP variables and constraint-matrix entries.
    public static let defaultMaxVariables = 200_000
    public static let defaultMaxEntries = 2_000_000

    /// The largest deviation from losslessness the cleaned plan may have (else the solve is reported as failed).
    public static let losslessTolerance = 1e-9

    /// Refused (typed error with the estimate) when the LP would exceed either limit.
    public static func requireFits(
        vocabularySize v: Int, drafts k: Int, length g: Int,
        maxVariables: Int = defaultMaxVariables, maxEntries: Int = defaultMaxEntries
    ) throws {
        let variables = estimatedVariables(vocabularySize: v, drafts: k, length: g)
        let entries = estimatedEntries(vocabularySize: v, drafts: k, length: g)
        guard variables <= Double(maxVariables), entries <= Double(maxEntries) else {
            throw SequenceLevelError.tooLarge(
                "the block LP verifier needs about \(variables.countDescription) variables and \(entries.countDescription) matrix entries (V^(L·K) ordered draft tuples times their blocks), more than the limits \(maxVariables) and \(maxEntries)"
            )
        }
    }

    /// Solves the LP and cleans its plan. Throws ``SequenceLevelError/tooLarge(_:)`` beyond the limits (before any
    /// allocation) and ``BlockBoundError/solverFailed(_:)`` when GLPK does not report an optimum or the cleaned plan
    /// misses a losslessness row by more than ``losslessTolerance`` (badly scaled inputs).
    public init(
        model: SequenceModel, drafts k: Int, length g: Int, maxVariables: Int = defaultMaxVariables,
        maxEntries: Int = defaultMaxEntries
    ) throws {
        guard k >= 1 else { throw BlockBoundError.invalidDrafts(k) }
        guard g >= 1 else { throw BlockBoundError.invalidLength(g) }
        let v = model.vocabularySize
        try Self.requireFits(
            vocabularySize: v, drafts: k, length: g, maxVariables: maxVariables, maxEntries: maxEntries)
        func prob(_ seq: [Int], target: Bool) -> Double {
            var c: Int? = nil, pr = 1.0
            for t in seq { let l = model.laws(after: c); pr *= target ? l.target[t] : l.draft[t]; c = t }
            return pr
        }
        var sequencesOfLength: [[[Int]]] = [[[]]]
        for n in 1...(g + 1) {
            sequencesOfLength.append(sequencesOfLength[n - 1].flatMap { s in (0..<v).map { s + [$0] } })
        }
        func sequences(_ n: Int) -> [[Int]] { sequencesOfLength[n] }
        let chains = sequences(g)
        let chainCount = chains.count
        let paths = sequences(g + 1).filter { prob($0, target: true) > 0 }
        let pathIndex = Dictionary(uniqueKeysWithValues: paths.enumerated().map { ($1, $0) })
        let pathProbability = paths.map { prob($0, target: true) }
        let chainQ = chains.map { prob($0, target: false) }
        var lp = LinearProgram(sense: .maximize)
        var lossless = [[(variable: Int, coefficient: Double)]](repeating: [], count: paths.count)
        let tupleCount = Int(pow(Double(chainCount), Double(k)))
        var tupleBlocks = [[[Int]]](repeating: [], count: tupleCount)
        var tupleVariables = [[Int]](repeating: [], count: tupleCount)
        var tupleQ = [Double](repeating: 0, count: tupleCount)
        for code in 0..<tupleCount {
            var c = code, qd = 1.0
            var d: [[Int]] = []
            for _ in 0..<k { d.append(chains[c % chainCount]); qd *= chainQ[c % chainCount]; c /= chainCount }
            guard qd > 0 else { continue }
            tupleQ[code] = qd
            var prefixes = Set<[Int]>()
            for chain in d { for i in 0...g { prefixes.insert(Array(chain[0..<i])) } }
            var supply: [(variable: Int, coefficient: Double)] = []
            for prefix in prefixes.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                for t in 0..<v {
                    let y = prefix + [t]
                    let py = prob(y, target: true)
                    guard py > 0 else { continue }
                    // x = u(d, y)/Q(d), the share of tuple d's mass sent to block y; each losslessness row is
                    // written in probabilities, Σ Q(d) x(d, y) p(z | y) = p(z), so that every coefficient is in
                    // (0, 1] (with u itself they were 1/Q(d) and 1/p(y), badly scaled for real models' rare tokens)
                    let j = lp.addVariable(lower: 0, upper: 1, objective: qd * Double(prefix.count))
                    supply.append((j, 1))
                    tupleBlocks[code].append(y)
                    tupleVariables[code].append(j)
                    for rest in sequences(g + 1 - y.count) {
                        if let zi = pathIndex[y + rest] { lossless[zi].append((j, qd * pathProbability[zi] / py)) }
                    }
                }
            }
            _ = lp.addConstraint(supply, lower: 1, upper: 1)
        }
        for (zi, row) in lossless.enumerated() {
            _ = lp.addConstraint(row, lower: pathProbability[zi], upper: pathProbability[zi])
        }
        // GLPK's scaled simplex first; where its cleaned plan misses losslessness (the scaled tolerances are looser in
        // the original units) or it fails, the unscaled simplex, then a scaled simplex confirmed by the exact rational
        // simplex from its basis (slow for large LPs: each fallback limited to a minute)
        var scaled = LPOptions(), exact = LPOptions(exact: true, timeLimit: 60)
        let unscaled = LPOptions(timeLimit: 60)
        (scaled.scaling, exact.scaling) = (true, true)
        var failure = ""
        for options in [scaled, unscaled, exact] {
            let solution = try lp.solve(options)
            guard solution.status == .optimal else {
                failure = "\(solution.status)"
                continue
            }
            var plans: [(blocks: [[Int]], probabilities: [Double])] = []
            var tables: [AliasTable?] = []
            for code in 0..<tupleCount {
                let raw = tupleVariables[code].map { max(0, solution.values[$0]) }
                let total = raw.reduce(0, +)
                guard tupleQ[code] > 0, total > 0 else { plans.append(([], [])); tables.append(nil); continue }
                let probabilities = raw.map { $0 / total }
                plans.append((tupleBlocks[code], probabilities))
                tables.append(AliasTable(weights: probabilities))
            }
            let candidate = Self(
                model: model, drafts: k, length: g, optimum: solution.objective, plans: plans, tables: tables,
                chainCount: chainCount)
            let deviation = candidate.losslessDeviation()
            if deviation <= Self.losslessTolerance {
                self = candidate
                return
            }
            failure =
                "the cleaned plan misses losslessness by \(deviation) (limit \(Self.losslessTolerance)); the inputs may be too badly scaled"
        }
        throw BlockBoundError.solverFailed(failure)
    }

    /// A verifier from a cleaned plan.
    private init(
        model: SequenceModel, drafts k: Int, length g: Int, optimum: Double,
        plans: [(blocks: [[Int]], probabilities: [Double])], tables: [AliasTable?], chainCount: Int
    ) {
        self.model = model
        self.drafts = k
        self.length = g
        self.optimum = optimum
        self.plans = plans
        self.tables = tables
        self.chainCount = chainCount
        firstDraftTable = AliasTable(weights: model.firstDraft.probabilities)
        draftTables = model.contexts.map { AliasTable(weights: model.laws(after: $0).draft.probabilities) }
    }

    /// max over paths z of length γ + 1 of |Σ_k P(emit z_1..z_k) p(z_{k+1}..z_{γ+1} | z_1..z_k) − p(z)| for the cleaned
    /// plan (0 for an exactly lossless plan). O(V^(γ+1) · γ) after the block law.
    public func losslessDeviation() -> Double {
        let law = blockLaw()
        let v = model.vocabularySize
        var worst = 0.0
        var z = [Int](repeating: 0, count: length + 1)
        for code in 0..<Int(pow(Double(v), Double(length + 1))) {
            var c = code
            for i in 0...length { z[i] = c % v; c /= v }
            // target probabilities of every prefix, then of every suffix given its prefix
            var prefix = [Double](repeating: 1, count: length + 2)
            var context: Int? = nil
            for i in 0...length { prefix[i + 1] = prefix[i] * model.laws(after: context).target[z[i]]; context = z[i] }
            var total = 0.0
            for k in 1...(length + 1) {
                guard let u = law[Array(z[0..<k])], u > 0 else { continue }
                total += u * (prefix[k] > 0 ? prefix[length + 1] / prefix[k] : 0)
            }
            worst = max(worst, abs(total - prefix[length + 1]))
        }
        return worst
    }

    /// Calls `body(code, Q(d))` for every ordered tuple with Q(d) > 0.
    private func forEachTuple(_ body: (Int, Double) -> Void) {
        let v = model.vocabularySize
        for code in plans.indices where !plans[code].blocks.isEmpty {
            var c = code, qd = 1.0
            for _ in 0..<drafts {
                var chainCode = c % chainCount
                c /= chainCount
                var chain = [Int](repeating: 0, count: length)
                for i in stride(from: length - 1, through: 0, by: -1) { chain[i] = chainCode % v; chainCode /= v }
                var context: Int? = nil
                for t in chain {
                    qd *= model.laws(after: context).draft[t]
                    context = t
                }
            }
            body(code, qd)
        }
    }

    /// Exact expected accepted draft tokens of the cleaned plan (≈ L*(K, γ), to the LP's rounding).
    public func expectedAccepted() -> Double {
        var total = 0.0, comp = 0.0
        forEachTuple { code, qd in
            let plan = plans[code]
            var e = 0.0
            for (y, pr) in zip(plan.blocks, plan.probabilities) { e += pr * Double(y.count - 1) }
            compensatedAdd(&total, &comp, qd * e)
        }
        return total + comp
    }

    /// The exact law of the emitted block under the cleaned plan.
    public func blockLaw() -> [[Int]: Double] {
        var law: [[Int]: Double] = [:]
        forEachTuple { code, qd in
            for (y, pr) in zip(plans[code].blocks, plans[code].probabilities) where pr > 0 {
                law[y, default: 0] += qd * pr
            }
        }
        return law
    }

    /// One round from fresh drafts: the emitted block. A chain's code has its first token most significant; a tuple's
    /// code has its first chain least significant.
    public func sampleBlock(using rng: inout some RandomNumberGenerator) -> [Int] {
        let v = model.vocabularySize
        var code = 0, scale = 1
        for _ in 0..<drafts {
            var chainCode = 0
            var context: Int? = nil
            for _ in 0..<length {
                let table = context == nil ? firstDraftTable : draftTables[model.isContextFree ? 0 : context! + 1]
                let t = table.sample(using: &rng)
                chainCode = chainCode * v + t
                context = t
            }
            code += chainCode * scale
            scale *= chainCount
        }
        let plan = plans[code]
        return plan.blocks[tables[code]!.sample(using: &rng)]
    }

    /// Monte Carlo block efficiency (tokens per round), seeded in chunks: independent of `threads`.
    public func simulate(trials: Int, seed: UInt64, threads: Int = 1) -> (mean: Double, standardError: Double) {
        simulateBlocks(trials: trials, seed: seed, threads: threads) { rng in sampleBlock(using: &rng).count }
    }
}
