import ArgumentParser
import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// `multidraft audit`: is an engine's trace lossless, does it draft from the q it reports, and is its acceptance
/// what the theory allows (``TraceAudit``).
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit a speculative-decoding engine's trace: output law, draft law and acceptance against alpha*.",
        discussion: """
            FILE: a trace in JSON Lines, format multidraft-trace version 1 (README, "Audit your engine"): a header
            {"format": "multidraft-trace", "version": 1, "vocab_size": V, "law": "iid"} and one line per verification step
            with drafts, q and p at every drafted node (dense lists or {"indices","values","rest"}) and the emitted tokens;
            or the same records in the binary container (a safetensors file, written by trace_writer.py for paths ending
            in .safetensors). Both forms of one trace give the same verdict.
            Summary (stdout or --summary): check,position,count,value,std_error,reference,reference_value,statistic,
            p_value,tv_lower_bound,tokens_to_detect_0.01,verdict. Checks: output_law and draft_law (randomised
            probability-integral transforms, Kolmogorov-Smirnov; tv_lower_bound is a 1 - level lower confidence bound on
            the total-variation defect; tokens_to_detect_0.01 the tokens after which a defect of size 0.01 is flagged),
            mean_acceptance_length (vLLM: 1 + accepted per step), mean_accepted_tokens, acceptance_rate per position, and
            root_acceptance against alpha* and each --expect verifier (Bernstein bound p-values). tokens_to_detect_0.01:
            tokens after which a defect of Kolmogorov size 0.01 is flagged with probability >= 0.9. Per-step rows
            (--output): context,step,chains,depth,accepted,emitted. Sparse laws lump unlisted tokens into one cell.
            --checks output-law runs the output-law test alone (the same row as the full audit's): on the binary
            container it reads only the offsets, the tokens and the target law of every emitted token, so a defect
            confined to the draft laws or to unused target laws is left to the full audit.
            """
    )

    @Option(help: "The trace: JSON Lines, or the binary container (safetensors).") var trace: String
    @Option(help: "Significance level of every test.") var level: Double = 0.001
    @Option(help: "Reference verifiers for the root acceptance, comma-separated (e.g. rrs,kseq,optimal).") var expect:
        String?
    @Option(help: "Seed of the randomised transforms.") var seed: UInt64 = 1
    @Flag(help: "Report malformed steps on stderr and leave them out instead of stopping.") var skipInvalid = false
    @Option(help: "Per-step CSV.") var output: String?
    @Option(help: "Write the verdict CSV here (atomically) instead of stdout.") var summary: String?
    @Option(help: "Worker threads (the verdict does not depend on it; default: every core).") var threads: Int?
    @Option(help: "all (default) or output-law (the output-law test alone, reading only what it uses).")
    var checks: String = "all"

    func run() throws {
        try CLIOutput.run {
            guard level >= 1e-12 && level < 0.5 else { throw UsageError("--level must be in [1e-12, 0.5)") }
            let registry = MultidraftCommand.registry
            let names = (expect ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            for name in names { _ = try registry.entry(named: name) }
            if let threads, threads < 1 || threads > 1024 { throw UsageError("--threads must be in 1...1024") }
            guard checks == "all" || checks == "output-law" else {
                throw UsageError("--checks must be all or output-law, got '\(checks)'")
            }
            if checks == "output-law" {
                if !names.isEmpty { throw UsageError("--expect needs --checks all") }
                if output != nil { throw UsageError("--output (per-step rows) needs --checks all") }
            }
            let source = try TraceSource(path: trace)
            if checks == "output-law" {
                let result = try TraceAudit.outputLaw(
                    source, options: .init(level: level, seed: seed, registry: registry), skipInvalid: skipInvalid,
                    threads: threads ?? availableCores)
                guard result.steps > 0 else {
                    throw UsageError(
                        "\(trace): no verification steps to audit"
                            + (result.skipped.first.map { " (first skipped: \($0))" } ?? ""))
                }
                for message in result.skipped { CLINotes.shared.add("skipped \(message)") }
                try CLIOutput.emit(Self.table([result.row]), to: summary, extra: [])
                return
            }
            let audit = try TraceAudit.audit(
                source, options: .init(level: level, seed: seed, expect: names, registry: registry),
                skipInvalid: skipInvalid, threads: threads ?? availableCores,
                keepSteps: output != nil)
            let skipped = audit.skipped
            guard audit.accumulator.stepCount > 0 else {
                throw UsageError(
                    "\(trace): no verification steps to audit" + (skipped.first.map { " (first skipped: \($0))" } ?? "")
                )
            }
            for message in skipped { CLINotes.shared.add("skipped \(message)") }
            let table = Self.table(audit.rows)
            var extra: [(path: String, table: CSVTable)] = []
            if let output {
                var perStep = CSVTable(header: ["context", "step", "chains", "depth", "accepted", "emitted"])
                for s in audit.accumulator.records {
                    perStep.append([
                        .text(s.context), .integer(s.step), .integer(s.chains), .integer(s.depth),
                        .integer(s.accepted), .integer(s.emitted)
                    ])
                }
                extra.append((output, perStep))
            }
            try CLIOutput.emit(table, to: summary, extra: extra)
        }
    }

    /// The verdict rows as CSV.
    static func table(_ rows: [TraceAudit.Row]) -> CSVTable {
        func real(_ x: Double?) -> CSVValue { x.map { $0.isFinite ? .real($0) : .empty } ?? .empty }
        var table = CSVTable(header: TraceAudit.Row.header)
        for r in rows {
            table.append([
                .text(r.check), r.position.map { .integer($0) } ?? .empty, .integer(r.count), real(r.value),
                real(r.standardError), .text(r.reference), real(r.referenceValue), real(r.statistic),
                real(r.pValue), real(r.defectLowerBound), r.tokensToDetect.map { .integer($0) } ?? .empty,
                .text(r.verdict)
            ])
        }
        return table
    }
}
