import ArgumentParser
import Multidraft
import MultidraftIO

/// `multidraft fit-cost`: least-squares t_draft, t_target from timed runs (LAPACK dgels, no intercept).
struct FitCost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-cost",
        abstract: "Fit seconds = t_draft * draft_calls + t_target * target_calls by least squares (no intercept).",
        discussion: """
            FILE rows: draft_calls,target_calls,seconds (a header line is allowed; # comments).
            Columns: t_draft,t_target,r_squared,rows,cost_ratio,rss
            r_squared is the uncentred R^2 = 1 - RSS / sum(seconds^2), the usual definition without an intercept.
            """
    )

    @Argument(help: "@FILE with draft_calls,target_calls,seconds rows.") var file: String
    @Option(help: "Write the CSV here (atomically) instead of stdout.") var output: String?

    func run() throws {
        try CLIOutput.run {
            let path = file.hasPrefix("@") ? String(file.dropFirst()) : file
            guard !path.isEmpty else { throw UsageError("fit-cost needs a file: @FILE") }
            let rows = try CostFit.parse(try readTextFile(path), source: "'\(path)'")
            let fit = try CostFit(rows)
            var table = CSVTable(header: ["t_draft", "t_target", "r_squared", "rows", "cost_ratio", "rss"])
            table.append([
                .real(fit.draftTime), .real(fit.targetTime), .real(fit.rSquared), .integer(rows.count),
                .real(fit.draftTime / fit.targetTime), .real(fit.residuals.reduce(0) { $0 + $1 * $1 })
            ])
            try CLIOutput.emit(table, to: output)
        }
    }
}
