import Foundation
import Multidraft
import MultidraftIO

/// (d) SpecDec++ threshold policy (h*) vs best fixed length vs the lagged rule as coded (at its best h on a grid) vs a
/// hindsight oracle, for several acceptance laws (M1, M3, M4 token level, two discretised Beta laws, and the real
/// pair's laws `real_layerskip`, `real_rtn3` from the exported draft chains: ``realLaw(draft:)``) and cost ratios
/// c = t_d/t_t (t_t = 1). Exact values come from ``IAPModel``; simulated values from ``RoundSimulator`` (abstract level,
/// token level for M4) with standard errors. One item per (model, cost ratio); one row per observation.
///
/// Simulation seeds: policy e of item t uses `SplitMix64(seed ^ (4t + e)·φ)`'s first output, streams 0/1/2 for
/// drafting/acceptance/residual. Tiny and quick: c ∈ {0.1, 0.2}, 20 000 rounds, lag grid step 0.02; full:
/// c ∈ {0.05, 0.1, 0.2}, 200 000 rounds, step 0.005.
public enum CandidateLengthSweep: Experiment {
    public static let name = "candidate_length"
    public static let header = [
        "model", "cost_ratio", "max_length", "policy", "parameter", "parameter_value", "metric",
        "source", "value", "std_error", "rounds"
    ]

    /// One acceptance model.
    public struct Model: Sendable {
        public let name: String
        /// A law given here, or (nil) the real pair's law read by ``realLaw(draft:)`` when the model runs.
        let fixedLaw: AcceptanceLaw?
        /// The real draft model whose law this is (`name` = "real_" + draft).
        let realDraft: String?
        public let maxLength: Int
        /// Token-level pair for simulation (nil: abstract level).
        public let tokens: (target: Distribution, draft: Distribution)?

        init(name: String, law: AcceptanceLaw, maxLength: Int, tokens: (target: Distribution, draft: Distribution)?) {
            (self.name, fixedLaw, realDraft, self.maxLength, self.tokens) = (name, law, nil, maxLength, tokens)
        }

        init(realDraft draft: String, maxLength: Int) {
            (name, fixedLaw, realDraft, self.maxLength, tokens) = ("real_" + draft, nil, draft, maxLength, nil)
        }

        public var law: AcceptanceLaw {
            get throws { try fixedLaw ?? CandidateLengthSweep.realLaw(draft: realDraft ?? "") }
        }
    }

    /// The real pair's acceptance law for `draft`: the exact acceptance probabilities a = min(1, p(x)/q(x)) of every
    /// token drafted along the exported chains (`Experiments/data/smollm2-135m/trees.safetensors`: 24 sampled chat
    /// positions × 4 chains × 4 tokens), equally weighted and merged into 5 equal-width bins at their means: the IAP model's reading of real sequences (i.i.d. per token,
    /// which real chains are not exactly: ``RealModelsExperiment``'s `chains` rows keep their order).
    static func realLaw(draft: String) throws -> AcceptanceLaw {
        let values = try RealPair.chainAcceptance(draft: draft).flatMap { $0 }
        // 5 equal-width bins, each at its mean (the mean acceptance is kept): the exact policies' state space grows
        // with the support, and 384 atoms are far beyond it.
        return try AcceptanceLaw(values: values, weights: values.map { _ in 1 }).binned(5)
    }

    public struct Item: Sendable {
        public let model: Model
        public let costRatio: Double
        public let rounds: Int
        /// The lagged rule's threshold grid.
        public let grid: [Double]
    }

    /// One observation of a policy.
    public struct Observation: Sendable {
        public let policy: String
        public let parameter: String
        public let parameterValue: Double
        public let metric: String
        /// "exact" or "simulated".
        public let source: String
        public let value: Double
        public let standardError: Double?
        public let rounds: Int?
    }

    /// A Beta(a, b)-like law discretised at the midpoints of `points` equal-width bins of [0, 1] (weights ∝ density).
    static func discretisedBeta(_ a: Double, _ b: Double, points: Int) throws -> AcceptanceLaw {
        let xs = (0..<points).map { (Double($0) + 0.5) / Double(points) }
        return try AcceptanceLaw(values: xs, weights: xs.map { pow($0, a - 1) * pow(1 - $0, b - 1) })
    }

    static let models: [Model] = {
        let p4 = try! Distribution([1.0 / 3, 2.0 / 3]), q4 = try! Distribution([2.0 / 3, 1.0 / 3])
        return [
            Model(
                name: "M1", law: try! AcceptanceLaw(values: [0.95, 0.3], weights: [0.8, 0.2]), maxLength: 20,
                tokens: nil),
            Model(
                name: "M3", law: try! AcceptanceLaw(values: [0.99, 0.5, 0.1], weights: [0.6, 0.3, 0.1]), maxLength: 20,
                tokens: nil),
            Model(name: "M4", law: try! AcceptanceLaw(target: p4, draft: q4), maxLength: 10, tokens: (p4, q4)),
            Model(name: "beta_4_1", law: try! discretisedBeta(4, 1, points: 5), maxLength: 12, tokens: nil),
            Model(name: "beta_2_1", law: try! discretisedBeta(2, 1, points: 5), maxLength: 12, tokens: nil),
            Model(realDraft: "layerskip", maxLength: 12),
            Model(realDraft: "rtn3", maxLength: 12)
        ]
    }()

    public static func items(scale: ExperimentScale) -> [Item] {
        let full = scale == .full
        let costs = full ? [0.05, 0.1, 0.2] : [0.1, 0.2]
        let step = full ? 0.005 : 0.02
        let grid = (0...Int((1 / step).rounded())).map { Double($0) * step }
        return models.flatMap { m in
            costs.map { Item(model: m, costRatio: $0, rounds: full ? 200_000 : 20_000, grid: grid) }
        }
    }

    /// The observations of item number `index` (its simulation seeds depend on the index).
    public static func observations(for item: Item, index t: Int, seed: UInt64) throws -> [Observation] {
        let m = item.model
        let cost = try CostModel(draftTime: item.costRatio, targetTime: 1)
        let law = try m.law
        let model = try IAPModel(law: law, cost: cost, maxLength: m.maxLength)
        let opt = model.optimum()
        let fixed = model.bestFixedLength()
        let lagged = try model.bestThreshold(grid: item.grid) {
            try ThresholdRule.asCoded(threshold: $0, maxLength: m.maxLength)
        }
        let entries: [(String, String, Double, StoppingPolicy)] = [
            ("threshold_optimal", "h", opt.threshold, .threshold(opt.rule)),
            ("fixed_best", "length", Double(fixed.length), .fixed(fixed.length)),
            (
                "threshold_lagged_as_coded", "h", lagged.threshold,
                .threshold(try ThresholdRule.asCoded(threshold: lagged.threshold, maxLength: m.maxLength))
            ),
            ("hindsight_oracle", "max_length", Double(m.maxLength), .hindsightOracle(maxLength: m.maxLength))
        ]
        var out: [Observation] = []
        for (e, (policyName, parameter, parameterValue, policy)) in entries.enumerated() {
            func add(_ metric: String, _ source: String, _ value: Double, _ se: Double? = nil, _ n: Int? = nil) {
                out.append(
                    Observation(
                        policy: policyName, parameter: parameter, parameterValue: parameterValue,
                        metric: metric, source: source, value: value, standardError: se, rounds: n))
            }
            let exact = try model.evaluate(policy: policy)
            let exactTime = policyName == "threshold_optimal" ? opt.timePerToken : exact.timePerToken
            add("time_per_token", "exact", exactTime)
            add("speedup", "exact", 1 / exactTime)
            add("mean_length", "exact", exact.expectedLength)
            add("tokens_per_round", "exact", exact.tokensPerRound)
            add("verification_rate", "exact", exact.verificationRate)
            add("discard_rate", "exact", exact.discardRate)
            if policyName == "threshold_optimal" { add("delta", "exact", opt.delta) }
            var mixer = SplitMix64(state: seed ^ (UInt64(4 * t + e) &* 0x9E37_79B9_7F4A_7C15))
            let source: DraftSource = m.tokens.map { .tokens(target: $0.target, draft: $0.draft) } ?? .abstract(law)
            let n = item.rounds
            let sim = try RoundSimulator(source: source, policy: policy, cost: cost).run(rounds: n, seed: mixer.next())
            add("time_per_token", "simulated", sim.timePerToken, sim.timePerTokenStandardError, n)
            add("speedup", "simulated", sim.speedup, sim.speedupStandardError, n)
            add("mean_length", "simulated", sim.meanLength, sim.meanLengthStandardError, n)
            add("tokens_per_round", "simulated", sim.tokensPerRound, sim.tokensPerRoundStandardError, n)
            add("verification_rate", "simulated", sim.verificationRate, nil, n)
            add("discard_rate", "simulated", sim.discardRate, nil, n)
        }
        return out
    }

    public static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]] {
        let m = item.model
        return try observations(for: item, index: context.index, seed: context.seed).map { o in
            [
                .text(m.name), .real(item.costRatio), .integer(m.maxLength), .text(o.policy), .text(o.parameter),
                .real(o.parameterValue), .text(o.metric), .text(o.source), .real(o.value),
                o.standardError.map { .real($0) } ?? .empty, o.rounds.map { .integer($0) } ?? .empty
            ]
        }
    }
}
