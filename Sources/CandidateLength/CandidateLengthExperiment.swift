import Foundation

/// One acceptance model of the experiment.
struct ExperimentModel: Sendable {
    let name: String
    let law: AcceptanceLaw
    let maxLength: Int
    /// Token-level pair for simulation (nil: abstract level).
    let tokens: (target: Distribution, draft: Distribution)?
}

/// A Beta(a, b)-like law discretised at the midpoints of `points` equal-width bins of [0, 1] (weights ∝ density).
func discretisedBeta(_ a: Double, _ b: Double, points: Int) throws -> AcceptanceLaw {
    let xs = (0..<points).map { (Double($0) + 0.5) / Double(points) }
    return try AcceptanceLaw(values: xs, weights: xs.map { pow($0, a - 1) * pow(1 - $0, b - 1) })
}

/// Threshold policy (h*) versus best fixed length versus hindsight oracle versus the lagged rule as coded (at its
/// best h on a grid), for several acceptance laws (M1, M3, M4 token level, two discretised Beta laws) and cost
/// ratios c = t_d/t_t (t_t = 1). Exact values come from ``IAPModel``; simulated values from ``RoundSimulator``
/// (abstract level, token level for M4) with standard errors.
///
/// Tidy long CSV, one observation per row:
/// `model,cost_ratio,max_length,policy,parameter,parameter_value,metric,source,value,std_error,rounds,seed`.
/// Simulation seeds: task i (in table order of (model, cost, policy)) uses `SplitMix64(seed ^ i·φ)`'s first output,
/// streams 0/1/2 for drafting/acceptance/residual. The table is identical for every `threads`.
///
/// quick: c ∈ {0.1, 0.2}, 20 000 rounds, lag grid step 0.02; full: c ∈ {0.05, 0.1, 0.2}, 200 000 rounds, step 0.005.
public func candidateLengthExperiment(quick: Bool, seed: UInt64, threads: Int) -> CSVTable {
    let p4 = try! Distribution([1.0 / 3, 2.0 / 3]), q4 = try! Distribution([2.0 / 3, 1.0 / 3])
    let models: [ExperimentModel] = [
        ExperimentModel(name: "M1", law: try! AcceptanceLaw(values: [0.95, 0.3], weights: [0.8, 0.2]), maxLength: 20, tokens: nil),
        ExperimentModel(name: "M3", law: try! AcceptanceLaw(values: [0.99, 0.5, 0.1], weights: [0.6, 0.3, 0.1]), maxLength: 20, tokens: nil),
        ExperimentModel(name: "M4", law: try! AcceptanceLaw(target: p4, draft: q4), maxLength: 10, tokens: (p4, q4)),
        ExperimentModel(name: "beta_4_1", law: try! discretisedBeta(4, 1, points: 5), maxLength: 12, tokens: nil),
        ExperimentModel(name: "beta_2_1", law: try! discretisedBeta(2, 1, points: 5), maxLength: 12, tokens: nil),
    ]
    let costs = quick ? [0.1, 0.2] : [0.05, 0.1, 0.2]
    let rounds = quick ? 20_000 : 200_000
    let step = quick ? 0.02 : 0.005
    let grid = (0...Int((1 / step).rounded())).map { Double($0) * step }
    var tasks: [(ExperimentModel, Double)] = []
    for m in models { for c in costs { tasks.append((m, c)) } }
    let header = ["model", "cost_ratio", "max_length", "policy", "parameter", "parameter_value", "metric", "source",
                  "value", "std_error", "rounds", "seed"]
    let parts = parallelMap(count: tasks.count, threads: max(1, threads)) { t -> [[CSVValue]] in
        let (m, c) = tasks[t]
        let cost = try! CostModel(draftTime: c, targetTime: 1)
        let model = try! IAPModel(law: m.law, cost: cost, maxLength: m.maxLength)
        let opt = model.optimum()
        let fixed = model.bestFixedLength()
        let lagged = try! model.bestThreshold(grid: grid) { try ThresholdRule.asCoded(threshold: $0, maxLength: m.maxLength) }
        let entries: [(String, String, Double, StoppingPolicy)] = [
            ("threshold_optimal", "h", opt.threshold, .threshold(opt.rule)),
            ("fixed_best", "length", Double(fixed.length), .fixed(fixed.length)),
            ("threshold_lagged_as_coded", "h", lagged.threshold,
             .threshold(try! ThresholdRule.asCoded(threshold: lagged.threshold, maxLength: m.maxLength))),
            ("hindsight_oracle", "max_length", Double(m.maxLength), .hindsightOracle(maxLength: m.maxLength)),
        ]
        var rows: [[CSVValue]] = []
        for (e, entry) in entries.enumerated() {
            let (policyName, parameter, parameterValue, policy) = entry
            func row(_ metric: String, _ source: String, _ value: Double, _ se: Double?, _ n: Int?) -> [CSVValue] {
                [.text(m.name), .real(c), .integer(m.maxLength), .text(policyName), .text(parameter), .real(parameterValue),
                 .text(metric), .text(source), .real(value), se.map { .real($0) } ?? .empty,
                 n.map { .integer($0) } ?? .empty, .integer(Int(bitPattern: UInt(seed)))]
            }
            let exact = try! model.evaluate(policy: policy)
            let exactTime = policyName == "threshold_optimal" ? opt.timePerToken : exact.timePerToken
            rows.append(row("time_per_token", "exact", exactTime, nil, nil))
            rows.append(row("speedup", "exact", 1 / exactTime, nil, nil))
            rows.append(row("mean_length", "exact", exact.expectedLength, nil, nil))
            rows.append(row("tokens_per_round", "exact", exact.tokensPerRound, nil, nil))
            rows.append(row("verification_rate", "exact", exact.verificationRate, nil, nil))
            rows.append(row("discard_rate", "exact", exact.discardRate, nil, nil))
            if policyName == "threshold_optimal" {
                rows.append(row("delta", "exact", opt.delta, nil, nil))
            }
            var mixer = SplitMix64(state: seed ^ (UInt64(4 * t + e) &* 0x9E37_79B9_7F4A_7C15))
            let taskSeed = mixer.next()
            let source: DraftSource = m.tokens.map { .tokens(target: $0.target, draft: $0.draft) } ?? .abstract(m.law)
            let sim = try! RoundSimulator(source: source, policy: policy, cost: cost).run(rounds: rounds, seed: taskSeed)
            rows.append(row("time_per_token", "simulated", sim.timePerToken, sim.timePerTokenStandardError, rounds))
            rows.append(row("speedup", "simulated", sim.speedup, sim.speedupStandardError, rounds))
            rows.append(row("mean_length", "simulated", sim.meanLength, sim.meanLengthStandardError, rounds))
            rows.append(row("tokens_per_round", "simulated", sim.tokensPerRound, sim.tokensPerRoundStandardError, rounds))
            rows.append(row("verification_rate", "simulated", sim.verificationRate, nil, rounds))
            rows.append(row("discard_rate", "simulated", sim.discardRate, nil, rounds))
        }
        return rows
    }
    var table = CSVTable(header: header)
    for part in parts { for r in part { table.append(r) } }
    return table
}
