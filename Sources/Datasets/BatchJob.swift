import Distributions
import MultidraftSupport

/// A dataset of positions (a target model and one or more draft models, each with its processing) and what to
/// compute at each position. ``rows(position:)`` is the whole per-position computation; `multidraft batch` adds
/// chunking, resume, shards and output around it.
package struct BatchJob: Sendable {
    package let target: ModelRows
    package let drafts: [ModelRows]
    package let targetProcessing: RowProcessing
    package let draftProcessing: RowProcessing
    package let plan: BatchPlan

    /// Checks that the models agree (positions, vocabulary, all dense or all sparse) and that the plan fits the data
    /// (sparse rows: iid and independent laws, alpha* only).
    package init(
        target: ModelRows, drafts: [ModelRows], targetProcessing: RowProcessing, draftProcessing: RowProcessing,
        plan: BatchPlan
    ) throws {
        guard !drafts.isEmpty else { throw DatasetError.usage("at least one draft is required", suggesting: [.draft]) }
        for d in drafts {
            guard d.positions == target.positions else {
                throw DatasetError.mismatch(
                    detail: "\(d.spec) has \(d.positions) positions, \(target.spec) has \(target.positions)")
            }
            guard d.vocabularySize == target.vocabularySize else {
                throw DatasetError.mismatch(
                    detail: "\(d.spec) has vocabulary \(d.vocabularySize), \(target.spec) has \(target.vocabularySize)")
            }
            guard d.isSparse == target.isSparse else {
                throw DatasetError.mismatch(
                    detail: "\(d.spec) and \(target.spec): mix dense and sparse rows (convert one)")
            }
        }
        if target.isSparse {
            if let law = plan.laws.first(where: { $0 != .iid && $0 != .independent }) {
                throw DatasetError.usage(
                    "sparse (top-k) rows bound alpha* for the iid and independent laws only, not \(law.rawValue) (a lumped token could be drafted twice)"
                )
            }
            guard plan.verifiers.isEmpty else {
                throw DatasetError.usage(
                    "sparse (top-k) rows give alpha* bounds only; verifier acceptance needs dense rows (drop the verifiers)",
                    suggesting: [.verifiers])
            }
            guard targetProcessing.isIdentity && draftProcessing.isIdentity else {
                throw DatasetError.usage(
                    "sparse (top-k) rows are read as stored probabilities: logits, temperatures, top-k and top-p need dense rows",
                    suggesting: [.logits, .topK, .topP])
            }
        }
        (self.target, self.drafts, self.targetProcessing, self.draftProcessing, self.plan) =
            (target, drafts, targetProcessing, draftProcessing, plan)
    }

    package var positions: Int { target.positions }

    /// The echo of a model's reading and processing for the output, e.g. `F16 logits T=1.2 top_p=0.9` or
    /// `F32 probabilities (renormalised) T=1.0`.
    package static func label(_ model: ModelRows, _ processing: RowProcessing) -> String {
        let renormalised = !processing.logits && model.valueType != .float64 ? " (renormalised)" : ""
        let head = model.isSparse ? "\(model.valueType.rawValue) sparse" : model.valueType.rawValue
        return "\(head) \(processing)".replacingOccurrences(of: "probabilities", with: "probabilities\(renormalised)")
    }

    /// The processed inputs of one position.
    package enum Inputs: Sendable {
        case dense(target: Distribution, drafts: [Distribution])
        case sparse(target: SparseRow, drafts: [SparseRow])
    }

    /// Decodes and checks position `i` of every model (errors name the file and the position).
    package func inputs(at i: Int) throws -> Inputs {
        // All models are dense or all sparse (checked by init).
        if target.isSparse {
            func read(_ model: ModelRows, _ processing: RowProcessing) throws -> SparseRow {
                guard case .sparse(let indices, let values, let rest) = try model.row(i) else {
                    fatalError("checked by init")
                }
                return try processing.sparse(
                    indices: indices, values: values, rest: rest, type: model.valueType,
                    vocabularySize: model.vocabularySize, path: model.path, position: i)
            }
            return .sparse(
                target: try read(target, targetProcessing), drafts: try drafts.map { try read($0, draftProcessing) })
        }
        func read(_ model: ModelRows, _ processing: RowProcessing) throws -> Distribution {
            guard case .dense(let values) = try model.row(i) else { fatalError("checked by init") }
            return try processing.distribution(values, type: model.valueType, path: model.path, position: i)
        }
        return .dense(
            target: try read(target, targetProcessing), drafts: try drafts.map { try read($0, draftProcessing) })
    }

    /// The rows of position `i`, and the verifiers that refused it (see ``BatchEvaluation/rows(position:target:models:plan:)``).
    package func rows(position i: Int) throws -> (rows: [BatchRow], skipped: [String]) {
        switch try inputs(at: i) {
        case .dense(let p, let qs): return try BatchEvaluation.rows(position: i, target: p, models: qs, plan: plan)
        case .sparse(let p, let qs):
            return (try BatchEvaluation.sparseRows(position: i, target: p, models: qs, plan: plan), [])
        }
    }

    /// The positions among `range` whose inputs fail their checks, with the reason (in order).
    package func invalidPositions(in range: Range<Int>, threads: Int = 1) -> [(position: Int, error: DatasetError)] {
        let found: [DatasetError?] = parallelMap(count: range.count, threads: threads) { k in
            do { _ = try inputs(at: range.lowerBound + k); return nil } catch let e as DatasetError { return e } catch {
                return .position(path: target.path, position: range.lowerBound + k, detail: "\(error)")
            }
        }
        return found.enumerated().compactMap { k, e in e.map { (range.lowerBound + k, $0) } }
    }
}
