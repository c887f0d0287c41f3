import ArgumentParser
import Multidraft
import MultidraftIO

/// `multidraft length`: best candidate length (Leviathan et al.) or the optimal threshold policy of the IAP model.
struct Length: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "length",
        abstract:
            "Best fixed candidate length for (alpha, c), or the optimal stopping threshold for a measured acceptance law.",
        discussion: """
            multidraft length --alpha A --cost C [--max-length L]
              columns: alpha,cost,best_length,improvement,threshold,expected_tokens
              (Leviathan et al. 2023: K* = argmax f, threshold h* = 1 - c f(K*)/alpha; L caps the scan, default 10000)
            multidraft length --acceptance @FILE --t-draft X --t-target Y [--max-length L] [--bins B]
              FILE: one acceptance probability per line, or value,weight pairs. Exact optimum of the i.i.d. model
              (Dinkelbach + DP), L = per-round cap (default 20). Columns:
              time_per_token,threshold,expected_length,speedup,best_fixed_length,best_fixed_speedup,
              mean_acceptance,delta,tokens_per_round,verification_rate,discard_rate,support_size,max_length
            """
    )

    @Option(parsing: .unconditional, help: "Per-token acceptance rate alpha in [0, 1].") var alpha: Double?
    @Option(parsing: .unconditional, help: "Cost ratio c = t_draft / t_target (> 0).") var cost: Double?
    @Option(help: "Acceptance law: @FILE (one probability per line, or value,weight pairs).") var acceptance: String?
    @Option(name: .customLong("t-draft"), parsing: .unconditional, help: "Time of one draft pass (> 0).") var tDraft:
        Double?
    @Option(name: .customLong("t-target"), parsing: .unconditional, help: "Time of one target pass (> 0).") var tTarget:
        Double?
    @Option(parsing: .unconditional, help: "Largest candidate length (>= 1).") var maxLength: Int?
    @Option(help: "Merge the acceptance law into B equal-width bins first (for large sample files).") var bins: Int?
    @Option(help: "Write the CSV here (atomically) instead of stdout.") var output: String?

    func run() throws {
        try CLIOutput.run {
            if let maxLength, maxLength < 1 { throw UsageError("--max-length must be >= 1, got \(maxLength)") }
            if let bins { try CLILimits.require(bins, in: 1...CLILimits.maxBins, option: "--bins") }
            if let acceptance {
                guard alpha == nil, cost == nil else {
                    throw UsageError("--acceptance cannot be combined with --alpha/--cost")
                }
                guard let tDraft, let tTarget else {
                    throw UsageError("--acceptance needs --t-draft and --t-target")
                }
                try runAcceptance(acceptance, tDraft: tDraft, tTarget: tTarget)
            } else {
                guard let alpha, let cost else {
                    throw UsageError("give --alpha and --cost, or --acceptance @FILE with --t-draft and --t-target")
                }
                guard tDraft == nil, tTarget == nil, bins == nil else {
                    throw UsageError("--t-draft/--t-target/--bins apply to --acceptance only")
                }
                let cap = maxLength ?? 10_000
                try CLILimits.require(cap, in: 1...CLILimits.maxLeviathanLength, option: "--max-length")
                let best = try Leviathan.bestLength(alpha: alpha, cost: cost, maxLength: cap)
                let h = try Leviathan.threshold(alpha: alpha, cost: cost, maxLength: cap)
                guard h.isFinite else {
                    throw UsageError(
                        "the threshold 1 - c f(K*)/alpha overflows for alpha = \(alpha) and c = \(cost) (alpha is too small next to c)"
                    )
                }
                var table = CSVTable(header: [
                    "alpha", "cost", "best_length", "improvement", "threshold", "expected_tokens"
                ])
                table.append([
                    .real(alpha), .real(cost), .integer(best.length), .real(best.improvement), .real(h),
                    .real(try Leviathan.expectedTokens(alpha: alpha, length: best.length))
                ])
                try CLIOutput.emit(table, to: output)
            }
        }
    }

    private func runAcceptance(_ argument: String, tDraft: Double, tTarget: Double) throws {
        let path = argument.hasPrefix("@") ? String(argument.dropFirst()) : argument
        guard !path.isEmpty else { throw UsageError("--acceptance needs a file: @FILE") }
        let costModel = try CostModel(draftTime: tDraft, targetTime: tTarget)
        var law = try AcceptanceLaw.parse(try readTextFile(path), source: "'\(path)'")
        if let bins { law = try law.binned(bins) }
        guard law.values.contains(where: { $0 > 0 }) else {
            throw UsageError(
                "every acceptance probability in '\(path)' is 0: no draft is ever accepted, so there is no threshold to optimise"
            )
        }
        let cap = maxLength ?? 20
        let model = try IAPModel(law: law, cost: costModel, maxLength: cap)
        let opt = model.optimum()
        let fixed = model.bestFixedLength()
        var table = CSVTable(header: [
            "time_per_token", "threshold", "expected_length", "speedup", "best_fixed_length",
            "best_fixed_speedup", "mean_acceptance", "delta", "tokens_per_round",
            "verification_rate", "discard_rate", "support_size", "max_length"
        ])
        table.append([
            .real(opt.timePerToken), .real(opt.threshold), .real(opt.statistics.expectedLength),
            .real(opt.speedup), .integer(fixed.length), .real(fixed.statistics.speedup), .real(law.mean),
            .real(opt.delta), .real(opt.statistics.tokensPerRound), .real(opt.statistics.verificationRate),
            .real(opt.statistics.discardRate), .integer(law.supportSize), .integer(cap)
        ])
        try CLIOutput.emit(table, to: output)
    }
}
