import ArgumentParser
import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

/// `multidraft batch`: alpha* and verifier acceptance at every position of a dataset of model distributions.
struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "alpha* and verifier acceptance at every position of a dataset (dense .npy/safetensors or sparse top-k rows).",
        discussion: """
            FILE[:TENSOR]: a 2-D .npy [positions, V] or a safetensors tensor (float16/bfloat16/float32/float64), or sparse
            top-k rows (safetensors with indices/values/rest tensors and metadata vocab_size). Probability rows must sum
            to 1 within 1e-9 (float64) or 4u + sqrt(V) 2^-24 (lower precisions, u = the type's unit roundoff) and are
            renormalised in float64; --logits reads logits. Processing (temperature, top-k, top-p) is per model.
            iid/without-replacement/greedy/spechub draw from the first --draft; independent assigns the draft models to
            the n drafts cyclically. Output (--output): position,law,drafts,verifier,value,lower,upper,method,std_error,
            trials,target_processing,draft_processing; verifier = alpha_star for the bound. Summary (--summary):
            law,drafts,verifier,mean,std_error,ci_low,ci_high,positions,mean_lower,mean_upper,... Finished chunks are
            kept under OUTPUT.parts/ until the merge: a rerun resumes; --shard i/N computes every N-th chunk; --merge
            writes the output from all chunks.
            """
    )

    @Option(help: "Target model rows: FILE[:TENSOR].") var target: String
    @Option(help: "Draft model rows: FILE[:TENSOR] (repeat for several draft models).") var draft: [String] = []
    @Option(help: "Draft law (repeat): iid, without-replacement, greedy, spechub, independent.") var law: [String] = []
    @Option(help: "Draft counts n, comma-separated.") var drafts: String
    @Option(help: "Verifiers, comma-separated (registry names).") var verifiers: String?
    @Flag(help: "Read rows as logits.") var logits = false
    @Option(help: "Temperature applied to the target's rows.") var targetTemperature: Double = 1
    @Option(help: "Temperature applied to every draft model's rows.") var draftTemperature: Double = 1
    @Option(help: "Top-k applied to every model (see --target-top-k / --draft-top-k).") var topK: Int?
    @Option(help: "Top-p applied to every model.") var topP: Double?
    @Option(help: "Top-k for the target only.") var targetTopK: Int?
    @Option(help: "Top-p for the target only.") var targetTopP: Double?
    @Option(help: "Top-k for the draft models only.") var draftTopK: Int?
    @Option(help: "Top-p for the draft models only.") var draftTopP: Double?
    @Option(help: "Monte-Carlo trials for verifiers without an exact formula.") var trials: Int = 0
    @Option(help: "Seed of every Monte-Carlo stream (stream = position).") var seed: UInt64 = 1
    @Option(help: "Per-position CSV (written when every chunk is done).") var output: String
    @Option(help: "Summary CSV: mean, standard error and 95% interval per (law, drafts, verifier).") var summary:
        String?
    @Option(help: "Compute only chunks c with c mod N = i (i/N).") var shard: String?
    @Flag(help: "Write --output (and --summary) from the finished chunks of every shard.") var merge = false
    @Flag(help: "Report invalid positions on stderr and skip them instead of stopping.") var skipInvalid = false
    @Option(help: "Positions per chunk (the unit of resume and sharding).") var chunkSize: Int = 64
    @Option(help: "Threads (results do not depend on it).") var threads: Int = availableCores
    @Option(help: "Major iterations of submodular minimisation (independent drafts beyond the flow).")
    var maxIterations: Int = Limits.standard.sfmIterations

    func run() throws {
        try CLIOutput.run {
            try CLILimits.require(chunkSize, in: 1...1_000_000, option: "--chunk-size")
            try CLILimits.require(threads, in: 1...CLILimits.maxThreads, option: "--threads")
            try CLILimits.require(trials, in: 0...100_000_000, option: "--trials")
            try CLILimits.require(maxIterations, in: 1...1_000_000, option: "--max-iterations")
            guard !law.isEmpty else { throw UsageError("at least one --law is required") }
            guard !draft.isEmpty else { throw UsageError("at least one --draft is required") }
            let laws = try law.map { name -> DraftLawName in
                guard let l = DraftLawName(rawValue: name) else {
                    throw UsageError(
                        "unknown --law '\(name)' (expected \(DraftLawName.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                return l
            }
            let ns = try drafts.split(separator: ",").map { field -> Int in
                guard let n = Int(field.trimmingCharacters(in: .whitespaces)), n >= 1, n <= 4096 else {
                    throw UsageError("--drafts: '\(field)' is not a draft count in 1...4096")
                }
                return n
            }
            guard !ns.isEmpty else { throw UsageError("--drafts needs at least one count") }
            let registry = MultidraftCommand.registry
            let names = verifiers.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
            for name in names {
                let entry = try registry.entry(named: name)
                if !entry.hasExactFormula && trials == 0 {
                    throw UsageError(
                        "verifier \(name) has no exact acceptance formula: give --trials T for its Monte-Carlo estimate"
                    )
                }
            }
            if shard != nil && merge {
                throw UsageError("--shard and --merge are separate runs: compute the shards, then --merge")
            }
            let shardSpec = try shard.map(Self.parseShard) ?? .whole
            let plan = BatchPlan(
                laws: laws, drafts: ns, verifiers: names, trials: trials, seed: seed, registry: registry,
                limits: Limits(sfmIterations: maxIterations))
            let job = try BatchJob(
                target: try ModelRows(spec: target), drafts: try draft.map { try ModelRows(spec: $0) },
                targetProcessing: try RowProcessing(
                    logits: logits, temperature: targetTemperature,
                    topK: targetTopK ?? topK, topP: targetTopP ?? topP),
                draftProcessing: try RowProcessing(
                    logits: logits, temperature: draftTemperature,
                    topK: draftTopK ?? topK, topP: draftTopP ?? topP),
                plan: plan)
            let store = BatchChunks(
                output: output, job: job, chunkSize: chunkSize,
                fingerprint: Self.fingerprint(CommandLine.arguments))
            if merge {
                try store.merge(summary: summary)
                return
            }
            try store.compute(shard: shardSpec, threads: threads, skipInvalid: skipInvalid)
            if shardSpec.count == 1 { try store.merge(summary: summary) }
        }
    }

    static func parseShard(_ text: String) throws -> Shard {
        guard let shard = Shard(text) else { throw UsageError("--shard must be i/N with 0 <= i < N, got '\(text)'") }
        return shard
    }

    /// The options that decide the rows (shard, merge, threads and output paths excluded): a resumed or merged run
    /// must have been computed with the same ones.
    static func fingerprint(_ arguments: [String]) -> String {
        var kept: [String] = []
        var skip = false
        let ignored: Set<String> = ["--shard", "--threads", "--summary", "--output"]
        for a in arguments.dropFirst() {
            if skip { skip = false; continue }
            if a == "--merge" || a == "--skip-invalid" { continue }
            let key = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if ignored.contains(key) { skip = !a.contains("="); continue }
            kept.append(a)
        }
        return kept.joined(separator: " ")
    }
}

/// The chunk files of a batch run under `OUTPUT.parts/` (``PartFiles``): chunk c holds the rows of positions
/// [c·size, (c+1)·size), written atomically when finished; `run.txt` records the options that produced them.
struct BatchChunks {
    let output: String
    let job: BatchJob
    let chunkSize: Int
    let fingerprint: String

    var folder: String { output + ".parts" }
    var chunkCount: Int { (job.positions + chunkSize - 1) / chunkSize }
    var header: [String] { BatchRow.header + ["target_processing", "draft_processing"] }
    var parts: PartFiles {
        PartFiles(folder: folder, header: header, count: chunkCount) { "chunk-" + String(format: "%08d", $0) + ".csv" }
    }
    func path(_ c: Int) -> String { parts.path(c) }
    /// How each side was read and processed (the draft label of the first draft model; all share the processing).
    var labels: [CSVValue] {
        [
            .text(BatchJob.label(job.target, job.targetProcessing)),
            .text(BatchJob.label(job.drafts[0], job.draftProcessing))
        ]
    }

    /// Computes the missing chunks of `shard`. Every position of them is checked first: an invalid one stops the
    /// run before anything is written (or, with `skipInvalid`, is reported on stderr and left out).
    func compute(shard: Shard, threads: Int, skipInvalid: Bool) throws {
        try prepareFolder()
        let todo = parts.todo(shard: shard)
        var invalid = Set<Int>()
        for c in todo {
            let range = (c * chunkSize)..<min(job.positions, (c + 1) * chunkSize)
            for (position, error) in job.invalidPositions(in: range, threads: threads) {
                guard skipInvalid else { throw error }
                FileHandle.standardError.write(Data("skipped: \(error)\n".utf8))
                invalid.insert(position)
            }
        }
        let total = todo.reduce(0) { $0 + min(job.positions, ($1 + 1) * chunkSize) - $1 * chunkSize }
        let progress = TerminalProgress.ifTerminal(label: "positions", total: total)
        let processing = labels
        var notes = Set<String>() // one note per (verifier, law, n) that refused positions
        for c in todo {
            let positions = Array((c * chunkSize)..<min(job.positions, (c + 1) * chunkSize)).filter {
                !invalid.contains($0)
            }
            let results: [Result<(rows: [BatchRow], skipped: [String]), Error>] =
                parallelMap(count: positions.count, threads: threads) { k in
                    Result { try job.rows(position: positions[k]) }
                }
            var table = CSVTable(header: header)
            for result in results {
                let (rows, skipped) = try result.get()
                for row in rows { table.append(row.csv + processing) }
                for reason in skipped where notes.insert(reason.components(separatedBy: ":").first ?? reason).inserted {
                    CLINotes.shared.add("no rows for \(reason)")
                }
            }
            try CLIErrorContract.requireFinite(table)
            try parts.write(table, part: c)
            progress?.advance(by: min(job.positions, (c + 1) * chunkSize) - c * chunkSize)
        }
        progress?.finish()
    }

    /// Creates the folder, or checks that its chunks were computed with the same options.
    func prepareFolder() throws {
        do { try parts.prepare(fingerprint: fingerprint) } catch {
            switch error {
            case .otherRun(let recorded):
                throw UsageError(
                    "\(folder) holds chunks of a run with other options ('\(recorded)'); remove it or rerun with those options"
                )
            default:
                throw UsageError("cannot create \(folder): \(error)")
            }
        }
    }

    /// Writes the output (and summary) from every chunk, streaming, then removes the chunk folder.
    func merge(summary: String?) throws {
        guard parts.isStarted else {
            throw UsageError("nothing to merge: \(folder) does not exist (compute the shards first)")
        }
        try prepareFolder() // same options
        do { try parts.requireComplete() } catch {
            if case .missing(let missing) = error {
                throw UsageError(
                    "cannot merge: \(missing.count) of \(chunkCount) chunks are not computed yet (first missing: chunk \(missing[0]), positions \(missing[0] * chunkSize)...); run every shard first"
                )
            }
            throw UsageError("cannot merge \(folder): \(error)")
        }
        /// The data lines of chunk c (its header checked).
        func lines(_ c: Int) throws -> [Substring] {
            do { return try parts.dataLines(c) } catch {
                if case .otherHeader = error {
                    throw UsageError("\(path(c)): not a chunk of this run (header differs)")
                }
                throw UsageError("\(path(c)): cannot read this chunk")
            }
        }
        var files: [(path: String, content: SafeOutputFile.Producer)] = [
            (
                output,
                { sink in
                    try sink(header.joined(separator: ",") + "\n")
                    for c in 0..<chunkCount { for line in try lines(c) { try sink(line + "\n") } }
                }
            )
        ]
        if let summary {
            var aggregate = BatchSummary()
            for c in 0..<chunkCount { for line in try lines(c) { aggregate.add(try Self.parse(line, file: path(c))) } }
            var table = CSVTable(header: BatchSummary.header + ["target_processing", "draft_processing"])
            for row in aggregate.rows {
                table.append(row + labels)
            }
            try CLIErrorContract.requireFinite(table)
            files.append((summary, { sink in try sink(table.text) }))
        }
        try SafeOutputFile.write(streaming: files)
        parts.remove()
    }

    /// A chunk line back into a row (for the summary).
    static func parse(_ line: Substring, file: String) throws -> BatchRow {
        let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard f.count >= 10, let position = Int(f[0]), let law = DraftLawName(rawValue: f[1]), let n = Int(f[2]),
            let value = Double(f[4]), let method = BatchRow.Method(f[7])
        else {
            throw UsageError("\(file): malformed chunk line '\(line.prefix(60))'")
        }
        return BatchRow(
            position: position, law: law, drafts: n, verifier: BatchRow.Subject(f[3]), value: value,
            lower: Double(f[5]), upper: Double(f[6]), method: method, standardError: Double(f[8]), trials: Int(f[9]))
    }
}
