import MultidraftSupport

extension TraceAudit {
    /// The output-law test alone: the `output_law` row of ``audit(_:options:skipInvalid:threads:keepSteps:chunk:)``
    /// (the same transforms, random streams and verdict), the number of records audited and the skipped records'
    /// messages.
    ///
    /// For the binary container the records are read in place from the mapped file, checking only what the test
    /// uses: offsets, chains, drafted and emitted tokens, and the target law of every emitted token
    /// (``TraceContainer/outputLawTransforms(seed:skipInvalid:threads:chunk:)``); the draft laws and the unused target
    /// laws are not read, so a defect confined to them is left to the full audit. JSON Lines records are parsed and
    /// checked in full, as the full audit does. The result does not depend on `threads`.
    ///
    /// - Complexity: O(k) per emitted token for top-k target laws; O(V) for dense ones.
    public static func outputLaw(
        _ source: TraceSource, options: Options, skipInvalid: Bool = false, threads: Int = 1
    ) throws -> (row: Row, steps: Int, skipped: [String]) {
        if let container = source.container {
            let read = try container.outputLawTransforms(
                seed: options.seed, skipInvalid: skipInvalid, threads: threads)
            let row = lawRow("output_law", read.values, impossible: read.impossible, level: options.level)
            return (row, read.steps, read.skipped)
        }
        let chunk = 4_096
        let pieces = (source.recordCount + chunk - 1) / chunk
        let parts = parallelMap(count: pieces, threads: max(1, threads)) {
            i -> (values: [Double], impossible: Int, steps: Int, skipped: [String], error: TraceError?) in
            let read = source.steps(
                (i * chunk)..<min(source.recordCount, (i + 1) * chunk), skipInvalid: skipInvalid)
            var values: [Double] = [], impossible = 0
            for step in read.steps {
                outputTransforms(step, seed: options.seed, into: &values, impossible: &impossible)
            }
            return (values, impossible, read.steps.count, read.skipped, read.error)
        }
        let read = try merged(parts)
        return (
            lawRow("output_law", read.values, impossible: read.impossible, level: options.level), read.steps,
            read.skipped
        )
    }

    /// Parts of the records' output-law transforms, in record order, as one; the first part with an error (in record
    /// order) throws it, after the records before it.
    static func merged(
        _ parts: [(values: [Double], impossible: Int, steps: Int, skipped: [String], error: TraceError?)]
    ) throws -> (values: [Double], impossible: Int, steps: Int, skipped: [String]) {
        var values: [Double] = [], impossible = 0, steps = 0, skipped: [String] = []
        values.reserveCapacity(parts.reduce(0) { $0 + $1.values.count })
        for part in parts {
            values += part.values
            impossible += part.impossible
            steps += part.steps
            skipped += part.skipped
            if let error = part.error { throw error }
        }
        return (values, impossible, steps, skipped)
    }
}
