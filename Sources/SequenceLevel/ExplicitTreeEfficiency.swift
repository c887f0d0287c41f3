import Distributions
import Foundation
import MultidraftSupport
import Verifiers

/// Block efficiency of an explicit draft tree (any shape, given as parent indices): at a level, the children of the
/// surviving nodes, in node order, are the verifier's drafts (drawn with the chosen law from q(· | context)); the
/// children whose token equals the output survive. Unlike the branching form, which children survive matters (their
/// subtrees differ), so the exact recursion runs over the **set** of surviving nodes.
public struct ExplicitTreeEfficiency {
    public let model: SequenceModel
    public let law: DraftLawName
    public let tree: DraftTree
    public let verifierName: String
    let make: (Distribution, DraftLaw) throws -> any Verifier
    let children: [[Int]]

    public init(
        model: SequenceModel, law: DraftLawName, tree: DraftTree, verifierName: String,
        make: @escaping (Distribution, DraftLaw) throws -> any Verifier
    ) throws {
        guard law == .iid || law == .withoutReplacement else {
            throw SequenceLevelError.invalidModel(
                "block efficiency takes the iid or without-replacement law, not \(law.rawValue)")
        }
        var children = [[Int]](repeating: [], count: tree.parents.count)
        for v in tree.parents.indices.dropFirst() { children[tree.parents[v]].append(v) }
        var depth = [Int](repeating: 0, count: tree.parents.count)
        var width = [Int: Int]()
        for v in tree.parents.indices.dropFirst() {
            depth[v] = depth[tree.parents[v]] + 1; width[depth[v], default: 0] += 1
        }
        guard (width.values.max() ?? 0) <= BlockEfficiency.maxDraftsPerNode else {
            throw SequenceLevelError.tooLarge(
                "a level of this tree holds \(width.values.max()!) draft nodes; at most \(BlockEfficiency.maxDraftsPerNode) drafts per verification"
            )
        }
        (self.model, self.law, self.tree, self.verifierName, self.make, self.children) = (
            model, law, tree, verifierName, make, children
        )
    }

    /// Enumeration steps of the exact recursion: Σ over reachable node sets of Vⁿ tuples × V (n = their children),
    /// bounded by 2^width per level.
    public var exactWork: Double {
        let v = Double(model.vocabularySize)
        let contexts = Double(model.isContextFree ? 1 : model.vocabularySize + 1)
        var levels: [[Int]] = [[0]]
        while let last = levels.last, !last.isEmpty { levels.append(last.flatMap { children[$0] }) }
        return contexts
            * levels.reduce(0) { total, level in
                total + min(pow(2, Double(level.count)), 1e12) * pow(v, Double(level.flatMap { children[$0] }.count))
                    * v
            }
    }

    /// The exact block efficiency (recursion over (surviving node set, context), memoised).
    public func exact(maxWork: Double = 5e7) throws -> Double {
        guard exactWork <= maxWork else {
            throw SequenceLevelError.exactTooLarge(
                String(format: "exact recursion over node sets needs about %.3g steps (limit %.3g)", exactWork, maxWork)
            )
        }
        var verifiers: [String: (DraftLaw, any Verifier)] = [:]
        var memo: [String: Double] = [:]
        func value(_ nodes: [Int], context: Int) throws -> Double {
            let drafts = nodes.flatMap { children[$0] }
            if drafts.isEmpty { return 1 } // the target's bonus token
            let key = "\(nodes)|\(context)"
            if let known = memo[key] { return known }
            let (p, q) = model.laws(after: context < 0 ? nil : context)
            let lawKey = "\(model.isContextFree ? -1 : context)|\(drafts.count)"
            if verifiers[lawKey] == nil {
                guard
                    let dl = law == .iid
                        ? try? DraftLaw.iid(q, drafts: drafts.count)
                        : try? DraftLaw.withoutReplacement(q, drafts: drafts.count)
                else {
                    // the level cannot be drafted (fewer tokens than drafts): the target's token
                    memo[key] = 1; return 1
                }
                verifiers[lawKey] = (dl, try make(p, dl))
            }
            let (dl, verifier) = verifiers[lawKey]!
            var total = 0.0
            for tuple in try dl.tupleLaw(maxTuples: Int.max) {
                guard let outcome = verifier.conditionalOutcome(given: tuple.tokens) else {
                    throw SequenceLevelError.noExactOutcome(verifier: verifierName)
                }
                for z in 0..<outcome.outputLaw.count where outcome.outputLaw[z] > 0 {
                    let survivors = zip(drafts, tuple.tokens).filter { $0.1 == z }.map(\.0)
                    let pr = tuple.probability * outcome.outputLaw[z]
                    total +=
                        survivors.isEmpty
                        ? pr : pr * (1 + (try value(survivors, context: model.isContextFree ? -1 : z)))
                }
            }
            memo[key] = total
            return total
        }
        return try value([0], context: -1)
    }

    /// Monte Carlo, as ``BlockEfficiency/simulate(trials:seed:threads:)``.
    public func simulate(trials: Int, seed: UInt64, threads: Int = 1) throws -> (mean: Double, standardError: Double) {
        precondition(trials >= 1)
        var widths = Set<Int>()
        var levels: [[Int]] = [[0]]
        while let last = levels.last, !last.isEmpty { levels.append(last.flatMap { children[$0] }) }
        // Every subset of a level can survive: any child count up to the level's width may be drafted.
        for level in levels { for n in 1...max(1, level.flatMap { children[$0] }.count) { widths.insert(n) } }
        var nodes: [Int: [Int: (sampler: DraftSampler, verifier: any Verifier)]] = [:]
        for context in model.contexts {
            let (p, q) = model.laws(after: context)
            for n in widths.sorted() {
                guard
                    let dl = law == .iid
                        ? try? DraftLaw.iid(q, drafts: n) : try? DraftLaw.withoutReplacement(q, drafts: n)
                else { continue }
                nodes[context ?? -1, default: [:]][n] = (dl.makeSampler(), try make(p, dl))
            }
        }
        return simulateBlocks(trials: trials, seed: seed, threads: threads) { rng in
            var tokens = [Int]()
            var alive = [0], context = -1, produced = 0
            while true {
                let drafts = alive.flatMap { children[$0] }
                guard !drafts.isEmpty, let node = nodes[context]?[drafts.count] else { produced += 1; break }
                node.sampler.sample(into: &tokens, using: &rng)
                let outcome = node.verifier.verify(tokens, using: &rng)
                produced += 1
                alive = zip(drafts, tokens).filter { $0.1 == outcome.token }.map(\.0)
                if alive.isEmpty { break }
                context = model.isContextFree ? -1 : outcome.token
            }
            return produced
        }
    }
}
