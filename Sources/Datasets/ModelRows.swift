import MultidraftIO
import Distributions
import Foundation
import MultidraftSupport

/// One model's next-token distributions over the positions of a dataset, read row by row (`pread`) from the file.
///
/// **Dense:** a 2-D tensor [positions, V] — a `.npy` file, or a safetensors tensor (`FILE:TENSOR`; the tensor may be
/// omitted when the file holds exactly one 2-D tensor). float16, bfloat16, float32 or float64; probabilities, or
/// logits with `--logits`.
///
/// **Sparse** (top-k rows): a safetensors file holding `indices` [positions, k] (I32/I64), `values` [positions, k]
/// (probabilities of those tokens) and `rest` [positions] (the mass of every other token), with the vocabulary size
/// in the header's `__metadata__` as `"vocab_size"`; `FILE:NAME` reads `NAME.indices`, `NAME.values`, `NAME.rest`.
/// Within a row the indices are distinct and < V; entries with index −1 are padding (value 0) for rows with fewer
/// than k tokens.
package struct ModelRows: Sendable {
    package enum Storage: Sendable {
        case dense(StoredTensor)
        case sparse(indices: StoredTensor, values: StoredTensor, rest: StoredTensor)
    }

    /// The argument as given (`FILE[:TENSOR]`), for messages.
    package let spec: String
    package let path: String
    package let storage: Storage
    package let positions: Int
    package let vocabularySize: Int

    package var isSparse: Bool { if case .sparse = storage { return true } else { return false } }

    /// The element type of the stored probabilities or logits.
    package var valueType: ElementType {
        switch storage {
        case .dense(let t): return t.type
        case .sparse(_, let values, _): return values.type
        }
    }

    package init(spec: String) throws {
        let (path, tensor) = TensorFile.splitSpec(spec)
        let tensors: [String: StoredTensor], metadata: [String: String]
        do { (tensors, metadata) = try TensorFile.open(path) } catch let error as FileFormatError {
            throw DatasetError.file(path: error.path, detail: error.detail)
        }
        self.spec = spec
        self.path = path
        func fail(_ detail: String) -> DatasetError { .file(path: path, detail: detail) }
        let prefix = tensor.map { $0 + "." } ?? ""
        if let indices = tensors[prefix + "indices"] {
            guard let values = tensors[prefix + "values"], let rest = tensors[prefix + "rest"] else {
                throw fail("sparse rows need tensors '\(prefix)indices', '\(prefix)values' and '\(prefix)rest'")
            }
            guard !indices.type.isFloat else {
                throw fail("'\(prefix)indices' must be I32 or I64, not \(indices.type.rawValue)")
            }
            guard values.type.isFloat, rest.type.isFloat else {
                throw fail("'\(prefix)values' and '\(prefix)rest' must be floats")
            }
            guard indices.shape.count == 2, values.shape == indices.shape, rest.shape == [indices.shape[0]] else {
                throw fail(
                    "sparse shapes disagree: indices \(indices.shape), values \(values.shape), rest \(rest.shape) (expected [N, k], [N, k], [N])"
                )
            }
            guard let v = metadata["vocab_size"].flatMap({ Int($0) }), v >= 1 else {
                throw fail("sparse rows need the vocabulary size in the header metadata ('vocab_size')")
            }
            storage = .sparse(indices: indices, values: values, rest: rest)
            positions = indices.shape[0]
            vocabularySize = v
        } else {
            let candidate: StoredTensor
            if let tensor {
                guard let t = tensors[tensor] else {
                    throw fail("no tensor '\(tensor)' (tensors: \(tensors.keys.sorted().joined(separator: ", ")))")
                }
                candidate = t
            } else {
                let matrices = tensors.values.filter { $0.shape.count == 2 && $0.type.isFloat }
                guard matrices.count == 1 else {
                    throw fail(
                        "name the tensor as FILE:TENSOR (\(matrices.count) 2-D float tensors: \(tensors.keys.sorted().joined(separator: ", ")))"
                    )
                }
                candidate = matrices[0]
            }
            guard candidate.type.isFloat else {
                throw fail("tensor '\(candidate.name)' is \(candidate.type.rawValue), not a float type")
            }
            guard candidate.shape.count == 2 else {
                throw fail("a dataset needs a 2-D tensor [positions, vocabulary], shape is \(candidate.shape)")
            }
            guard candidate.shape[1] >= 1 else { throw fail("the vocabulary dimension is 0") }
            storage = .dense(candidate)
            positions = candidate.shape[0]
            vocabularySize = candidate.shape[1]
        }
    }
}

/// One position of one model, as stored.
package enum PositionRow: Sendable, Equatable {
    case dense([Double])
    /// Distinct token indices (padding removed), their values, and the mass of all other tokens.
    case sparse(indices: [Int], values: [Double], rest: Double)
}

extension ModelRows {
    /// Row `i`, decoded and checked for its structure (finite values; sparse indices in range and distinct).
    package func row(_ i: Int) throws -> PositionRow {
        func fail(_ detail: String) -> DatasetError { .position(path: path, position: i, detail: detail) }
        switch storage {
        case .dense(let t):
            return .dense(t.row(i))
        case .sparse(let indexTensor, let valueTensor, let restTensor):
            let rawIndices = indexTensor.row(i), rawValues = valueTensor.row(i)
            var indices: [Int] = [], values: [Double] = []
            var seen = Set<Int>()
            for (k, (x, v)) in zip(rawIndices, rawValues).enumerated() {
                if x == -1 {
                    guard v == 0 else { throw fail("padding entry \(k) (index -1) has value \(v), not 0") }
                    continue
                }
                guard x >= 0, x < Double(vocabularySize) else {
                    throw fail("sparse index \(Int(x)) at entry \(k) is outside 0..<\(vocabularySize)")
                }
                guard seen.insert(Int(x)).inserted else {
                    throw fail("sparse index \(Int(x)) is repeated (entry \(k))")
                }
                indices.append(Int(x)); values.append(v)
            }
            return .sparse(indices: indices, values: values, rest: restTensor.element(i))
        }
    }
}
