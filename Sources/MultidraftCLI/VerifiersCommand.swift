import ArgumentParser
import Multidraft
import MultidraftIO

/// `multidraft verifiers`: the known verifiers, their draft laws and whether they have an exact formula (CSV).
struct ListVerifiers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifiers",
        abstract: "List the verifiers: natural draft law, supported laws, exact acceptance formula.",
        discussion:
            "Output columns: verifier,natural_law,supported_laws,exact_formula,description (supported_laws separated by spaces)."
    )

    @Option(help: "Write the CSV here (atomically) instead of stdout.") var output: String?

    func run() throws {
        try CLIOutput.run {
            var table = CSVTable(header: ["verifier", "natural_law", "supported_laws", "exact_formula", "description"])
            for e in MultidraftCommand.registry.entries {
                table.append([
                    .text(e.name), .text(e.naturalLaw.rawValue),
                    .text(e.supportedLaws.map(\.rawValue).joined(separator: " ")),
                    .text(e.hasExactFormula ? "true" : "false"), .text(e.summary)
                ])
            }
            try CLIOutput.emit(table, to: output)
        }
    }
}
