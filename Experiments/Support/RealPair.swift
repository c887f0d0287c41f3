import Foundation
import Multidraft
import MultidraftIO

/// The real model pair shipped in `Experiments/data/smollm2-135m` (target SmolLM2-135M-Instruct, drafts `layerskip`
/// and `rtn3`, V = 49,152), as the experiments read it: run from the package root.
enum RealPair {
    static let folder = "Experiments/data/smollm2-135m"
    static let dataset = "smollm2-135m"

    /// A tensor file of the export, after checking that the export is where it should be.
    static func rows(_ spec: String) throws -> ModelRows {
        guard FileManager.default.fileExists(atPath: folder + "/meta.json") else {
            throw DatasetError.usage(
                "\(folder)/meta.json not found: run from the package root (or regenerate the data with Experiments/export/export_gguf.py)"
            )
        }
        return try ModelRows(spec: folder + "/" + spec)
    }

    /// The target and the named drafts at dense position `i`: the softmax at T = 1 of the exported float16 logits.
    static func dense(position i: Int, drafts names: [String]) throws -> (target: Distribution, drafts: [Distribution])
    {
        let logits = try RowProcessing(logits: true)
        let job = try BatchJob(
            target: try rows("dense_logits.safetensors:target"),
            drafts: try names.map { try rows("dense_logits.safetensors:" + $0) },
            targetProcessing: logits, draftProcessing: logits,
            plan: BatchPlan(laws: [.iid], drafts: [1], verifiers: []))
        guard case .dense(let p, let qs) = try job.inputs(at: i) else {
            throw DatasetError.usage("dense rows expected")
        }
        return (p, qs)
    }

    /// The (p, q) pair of an experiment item and its `pair` column: the shipped target and its `layerskip` draft at
    /// dense position `position`, or the synthetic LLM-style pair at V and T when `position` is nil.
    static func targetAndLayerskip(
        position: Int?, vocabularySize v: Int, temperature: Double, seed: UInt64
    ) throws
        -> (target: Distribution, draft: Distribution, pair: String)
    {
        if let i = position {
            let (target, drafts) = try dense(position: i, drafts: ["layerskip"])
            return (target, drafts[0], "smollm2-135m/layerskip@\(i)")
        }
        let (p, q) = try SyntheticLLM.pair(vocabularySize: v, temperature: temperature, seed: seed)
        return (p, q, "synthetic")
    }

    /// Along every exported draft chain of `draft` (`trees.safetensors`: 24 positions × 4 chains × 4 tokens), the
    /// exact acceptance probabilities a_l = min(1, p(x_l)/q(x_l)) of its drafted tokens, one array per chain.
    static func chainAcceptance(draft: String) throws -> [[Double]] {
        _ = try rows("dense_logits.safetensors:target") // checks the folder
        let path = folder + "/trees.safetensors"
        let (tensors, _) = try TensorFile.open(path)
        guard let p = tensors[draft + ".p_token"], let q = tensors[draft + ".q_token"], p.shape == q.shape,
            p.shape.count == 2
        else {
            throw DatasetError.usage("\(path): no p_token/q_token tensors for draft \(draft)")
        }
        return (0..<p.shape[0]).map { i in zip(p.row(i), q.row(i)).map { min(1, $0 / $1) } }
    }
}
