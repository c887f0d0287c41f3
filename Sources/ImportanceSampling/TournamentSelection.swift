import Distributions
import Solvers

/// The pairwise tournament for K > 2 independent drafts (Khisti et al.'s multi-stage extension, arXiv 2410.18234;
/// structure **[reconstructed]** in <doc:Theory#Two-step-importance-sampling-schemes>).
///
/// ```
/// stage 1:      W₁ = select(X₁, X₂) by a pair rule built for the laws (q₁, q₂);          r₁ = p_I of that rule
/// stage k ≥ 2:  W_k = select(W_{k−1}, X_{k+1}) by a rule built for (r_{k−1}, q_{k+1});   r_k = its p_I
/// step 2:       speculative sampling of W_{K−1} against p with draft r_{K−1}
/// ```
///
/// W_{k−1} depends on X₁..X_k only, so it is independent of X_{k+1} with law r_{k−1}: every stage is a valid K = 2
/// problem and the scheme is lossless for any stage rule [proven]. Coin acceptance Σ min(p, r_{K−1}) is a lower
/// bound on membership acceptance, and ≤ alpha*. As a ``SelectionRule`` the tournament is a weight function over
/// the K positions, so the generic exact enumeration applies to it.
///
/// Complexity: building = K − 1 pair rules (LPs); p_I stagewise O(K·V²) for dense rules; a draw is K − 1 uniforms.
public struct TournamentSelection: SelectionRule {
    /// The K − 1 stage rules; stage k compares the running winner (first) with draft k + 2 (second).
    public let stages: [any PairSelectionRule]
    public let vocabularySize: Int

    public init(stages: [any PairSelectionRule]) throws {
        guard let first = stages.first else {
            throw ImportanceSamplingError.wrongDraftCount(what: "a tournament", expected: ">= 2", found: 1)
        }
        for stage in stages where stage.vocabularySize != first.vocabularySize {
            throw VocabularyMismatch(
                what: "a tournament stage", expected: first.vocabularySize,
                found: stage.vocabularySize)
        }
        self.stages = stages
        self.vocabularySize = first.vocabularySize
    }

    public var draftCount: Int { stages.count + 1 }

    /// The stage intermediates r₁, …, r_{K−1} for drafts q₁, …, q_K (r_{K−1} is the tournament's p_I).
    public func stageIntermediates(drafts qs: [Distribution]) -> [[Double]] {
        var laws: [[Double]] = []
        var running = qs[0]
        for (k, stage) in stages.enumerated() {
            let r = stage.pairIntermediate(first: running, second: qs[k + 1])
            laws.append(r)
            running = Distribution(unchecked: r)
        }
        return laws
    }

    public func intermediate(drafts qs: [Distribution]) -> [Double] {
        stageIntermediates(drafts: qs).last!
    }

    public func positionWeights(for tuple: [Int]) -> [Double] {
        var weights = [Double](repeating: 0, count: tuple.count)
        weights[0] = 1
        for (k, stage) in stages.enumerated() {
            let challenger = tuple[k + 1]
            var lost = 0.0
            for i in 0...k where weights[i] > 0 {
                let keep = tuple[i] == challenger ? 1 : stage.keepFirst(tuple[i], challenger)
                lost += weights[i] * (1 - keep)
                weights[i] *= keep
            }
            weights[k + 1] = lost
        }
        return weights
    }

    public func selectPosition(_ tuple: [Int], using rng: inout some RandomNumberGenerator) -> Int {
        var winner = 0
        for (k, stage) in stages.enumerated() {
            let challenger = tuple[k + 1]
            if tuple[winner] == challenger { continue }
            if rng.nextUniform() >= stage.keepFirst(tuple[winner], challenger) { winner = k + 1 }
        }
        return winner
    }
}

extension TournamentSelection {
    /// How each stage's pair rule is built.
    public enum StageMethod: Sendable, Equatable, CustomStringConvertible {
        /// The full K = 2 weight LP (``PairWeightLP``), O(V²) variables.
        case weightLP
        /// The truncated LP with parameter s (``TruncatedWeightLP``); s is capped at V.
        case truncatedLP(Int)
        /// Plain pairwise SIR weights ω = p/r_{k−1} against p/q_{k+1} (no LP).
        case sir

        public var description: String {
            switch self {
            case .weightLP: return "weight-lp"
            case .truncatedLP(let s): return "truncated-lp(\(s))"
            case .sir: return "sir"
            }
        }
    }

    /// Builds the tournament for target p and independent drafts q₁, …, q_K (K ≥ 2), stage by stage.
    /// Stage k's rule is built for the laws (r_{k−1}, q_{k+1}); r_{k−1} is the exact p_I of the previous stage.
    public static func build(
        target p: Distribution, drafts qs: [Distribution], method: StageMethod,
        options: LPOptions = LPOptions()
    ) throws -> (rule: TournamentSelection, laws: [[Double]]) {
        try requireVocabulary(p, qs)
        guard qs.count >= 2 else {
            throw ImportanceSamplingError.wrongDraftCount(what: "a tournament", expected: ">= 2", found: qs.count)
        }
        if case .truncatedLP(let s) = method, s < 1 {
            throw ImportanceSamplingError.invalidTruncation(s: s, vocabularySize: p.vocabularySize)
        }
        var stages: [any PairSelectionRule] = []
        var laws: [[Double]] = []
        var running = qs[0]
        for k in 1..<qs.count {
            let challenger = qs[k]
            let rule: any PairSelectionRule
            let r: [Double]
            switch method {
            case .weightLP:
                let solution =
                    running == challenger
                    ? try PairWeightLP.solveIdentical(target: p, draft: running, options: options)
                    : try PairWeightLP.solve(target: p, first: running, second: challenger, options: options)
                rule = solution.weights; r = solution.intermediate
            case .truncatedLP(let s):
                let solution = try TruncatedWeightLP.solve(
                    target: p, first: running, second: challenger,
                    truncate: min(s, p.vocabularySize), options: options)
                rule = solution.weights; r = solution.intermediate
            case .sir:
                rule = try PairWeights.sir(target: p, first: running, second: challenger)
                r = SIRStage.winnerLaw(
                    running.probabilities, challenger.probabilities,
                    SIRStage.importanceWeights(target: p.probabilities, law: running.probabilities),
                    SIRStage.importanceWeights(target: p.probabilities, law: challenger.probabilities))
            }
            stages.append(rule)
            laws.append(r)
            running = Distribution(unchecked: r)
        }
        return (try TournamentSelection(stages: stages), laws)
    }
}
