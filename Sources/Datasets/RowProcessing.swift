import MultidraftIO
import Distributions
import Foundation
import MultidraftSupport

/// How a model's stored rows become the distribution its tokens were sampled from: read as probabilities (checked
/// against the dtype's tolerance, ``ElementType/sumTolerance(vocabularySize:)``, then renormalised in float64) or as
/// logits (softmax), then temperature, top-k and top-p as configured for that model.
///
/// The draft law must be the distribution the draft was **actually** sampled from, so processing is explicit per
/// model and echoed in the output. Probabilities at a temperature T ≠ 1 are raised to the power 1/T (the same as
/// dividing their logits by T). Sparse rows take no processing (their dropped tokens' values are unknown).
package struct RowProcessing: Sendable, Equatable, CustomStringConvertible {
    package var logits: Bool
    package var temperature: Double
    package var topK: Int?
    package var topP: Double?

    package init(logits: Bool = false, temperature: Double = 1, topK: Int? = nil, topP: Double? = nil) throws {
        guard temperature.isFinite, temperature > 0 else {
            throw DatasetError.usage("temperature must be > 0, got \(temperature)")
        }
        if let k = topK, k < 1 { throw DatasetError.usage("top-k must be >= 1, got \(k)", suggesting: [.topK]) }
        if let p = topP, !(p > 0 && p <= 1) {
            throw DatasetError.usage("top-p must be in (0, 1], got \(p)", suggesting: [.topP])
        }
        (self.logits, self.temperature, self.topK, self.topP) = (logits, temperature, topK, topP)
    }

    /// Whether the rows are used as stored (probabilities, T = 1, no truncation).
    package var isIdentity: Bool { !logits && temperature == 1 && topK == nil && topP == nil }

    /// `probabilities` or `logits`, then `T=…`, `top_k=…`, `top_p=…` when set.
    package var description: String {
        var parts = [logits ? "logits" : "probabilities", "T=\(temperature)"]
        if let k = topK { parts.append("top_k=\(k)") }
        if let p = topP { parts.append("top_p=\(p)") }
        return parts.joined(separator: " ")
    }

    /// The distribution of a dense row. Errors name the file and position.
    package func distribution(_ values: [Double], type: ElementType, path: String, position: Int) throws -> Distribution
    {
        func fail(_ detail: String) -> DatasetError { .position(path: path, position: position, detail: detail) }
        do {
            if logits {
                return try Distribution(logits: values, temperature: temperature, topK: topK, topP: topP)
            }
            for (j, v) in values.enumerated() {
                guard v.isFinite else { throw fail("value \(v) at token \(j) is not finite") }
                guard v >= 0 else { throw fail("negative probability \(v) at token \(j)") }
            }
            var sum = 0.0, c = 0.0
            for v in values { let t = v - c; let s = sum + t; c = (s - sum) - t; sum = s }
            let tolerance = type.sumTolerance(vocabularySize: values.count)
            guard abs(sum - 1) <= tolerance else {
                throw fail(
                    "probabilities sum to \(sum), not 1 within \(String(format: "%.2g", tolerance)) (the \(type.rawValue) tolerance; logits must be read as logits)"
                )
            }
            if temperature == 1 && topK == nil && topP == nil { return try Distribution(normalizing: values) }
            return try Distribution(
                logits: values.map { $0 > 0 ? log($0) : -.infinity }, temperature: temperature,
                topK: topK, topP: topP)
        } catch let error as DistributionError {
            throw fail("\(error)")
        }
    }

    /// Checks a sparse row: probabilities only, no processing; values ≥ 0, rest ≥ 0, Σ values + rest = 1 within the
    /// dtype's tolerance. Returns the values and rest renormalised in float64.
    package func sparse(
        indices: [Int], values: [Double], rest: Double, type: ElementType, vocabularySize v: Int,
        path: String, position: Int
    ) throws -> SparseRow {
        func fail(_ detail: String) -> DatasetError { .position(path: path, position: position, detail: detail) }
        guard isIdentity else {
            throw DatasetError.usage(
                "\(path): sparse (top-k) rows are read as stored probabilities: logits, temperatures, top-k and top-p need dense rows (the dropped tokens' values are unknown)",
                suggesting: [.logits, .topK, .topP])
        }
        for (k, x) in values.enumerated() {
            guard x.isFinite, x >= 0 else {
                throw fail("sparse value \(x) at entry \(k) (token \(indices[k])) is negative or not finite")
            }
        }
        guard rest.isFinite, rest >= 0 else { throw fail("rest mass \(rest) is negative or not finite") }
        let total = values.reduce(0, +) + rest
        let tolerance = type.sumTolerance(vocabularySize: v)
        guard abs(total - 1) <= tolerance else {
            throw fail(
                "values and rest sum to \(total), not 1 within \(String(format: "%.2g", tolerance)) (the \(type.rawValue) tolerance)"
            )
        }
        return SparseRow(indices: indices, values: values.map { $0 / total }, rest: rest / total, vocabularySize: v)
    }
}

/// A top-k row: the stored tokens' probabilities and the mass `rest` of all other tokens (whose split is unknown).
public struct SparseRow: Sendable, Equatable {
    public let indices: [Int]
    public let values: [Double]
    public let rest: Double
    public let vocabularySize: Int

    /// A row as given (the caller has checked it: distinct indices < V, non-negative values, total 1).
    public init(indices: [Int], values: [Double], rest: Double, vocabularySize: Int) {
        (self.indices, self.values, self.rest, self.vocabularySize) = (indices, values, rest, vocabularySize)
    }
}
