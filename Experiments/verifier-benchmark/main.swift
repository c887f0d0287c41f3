// Throughput of every verifier's Monte-Carlo loop (draft + verify + tally) at LLM-like vocabulary size.
//
// Usage: verifier-benchmark [--vocab V] [--drafts N] [--trials T] [--threads K] [--seed S] [--verifiers a,b,...]
// Prints CSV: verifier,law,drafts,vocab,trials,threads,setup_ms,elapsed_ms,trials_per_second,acceptance,exact_acceptance
//
// Setup against the dual scan (issue: the optimal verifier within a few dual scans):
//   verifier-benchmark --setup-repeat R [--vocab 152064] [--drafts 2,4,8] [--temperatures 0.3,1,1.5]
//                      [--law iid|without-replacement] [--threads K] [--seed S]
// builds the optimal verifier and runs the dual scan R times each, interleaved, on the optimal_verifier experiment's
// synthetic pair (Zipf-like logits, exponent 1.1, draft = target + N(0, 1) noise, its seed stream) and prints CSV:
// law,vocab,temperature,drafts,repeats,setup_ms_best,setup_ms_median,dual_ms_best,dual_ms_median,ratio_best,
// ratio_median,certified_gap,fitted_blocks,iterations,method (ratios: setup / dual scan). With `--parts 1` it also
// writes to stderr the best times of r* alone (OptimalSelectionLaw), of r* with its realisation
// (RealisedOptimalSelection) and of the whole verifier.
import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

tuneAllocatorForLargeArrays()

var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let key = arguments.popFirst() {
    guard key.hasPrefix("--"), let value = arguments.popFirst() else {
        FileHandle.standardError.write(Data("error: expected --option value pairs\n".utf8)); exit(2)
    }
    options[String(key.dropFirst(2))] = value
}
if let repeatText = options["setup-repeat"] {
    guard let repeats = Int(repeatText), repeats >= 1 else {
        FileHandle.standardError.write(Data("error: --setup-repeat must be a positive integer\n".utf8)); exit(2)
    }
    let v = Int(options["vocab"] ?? "") ?? 152_064
    let threads = Int(options["threads"] ?? "") ?? 1
    let seed = UInt64(options["seed"] ?? "") ?? 20_251_122
    let ns = (options["drafts"] ?? "2,4,8").split(separator: ",").compactMap { Int($0) }
    let temperatures = (options["temperatures"] ?? "0.3,1,1.5").split(separator: ",").compactMap { Double($0) }
    let withoutReplacement = options["law"] == "without-replacement"
    var rng = Xoshiro256(seed: seed, stream: 0x5EED_0000 &+ UInt64(v))
    let targetLogits = Distribution.zipfLogits(v, exponent: 1.1, noise: 1, using: &rng)
    let draftLogits = targetLogits.map { $0 + Distribution.gaussian(using: &rng) }
    var table = CSVTable(header: [
        "law", "vocab", "temperature", "drafts", "repeats", "setup_ms_best", "setup_ms_median", "dual_ms_best",
        "dual_ms_median", "ratio_best", "ratio_median", "certified_gap", "fitted_blocks", "iterations", "method"
    ])
    func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return (s[(s.count - 1) / 2] + s[s.count / 2]) / 2 }
    for t in temperatures {
        let p = try Distribution(logits: targetLogits, temperature: t)
        let q = try Distribution(logits: draftLogits, temperature: t)
        for n in ns {
            let law =
                withoutReplacement ? try DraftLaw.withoutReplacement(q, drafts: n) : try DraftLaw.iid(q, drafts: n)
            var setups: [Double] = [], duals: [Double] = []
            var last: OptimalSelectionVerifier?
            for _ in 0..<repeats {
                let watch = Stopwatch()
                _ = try optimalAcceptance(target: p, law: law, method: .dual)
                duals.append(watch.elapsedMilliseconds)
                let setup = Stopwatch()
                last = try OptimalSelectionVerifier(target: p, law: law, threads: threads)
                setups.append(setup.elapsedMilliseconds)
            }
            let selection = last!.selection
            if options["parts"] != nil {
                var a: [Double] = [], b: [Double] = [], c: [Double] = []
                for _ in 0..<repeats {
                    var w = Stopwatch()
                    _ = try OptimalSelectionLaw(target: p, law: law)
                    a.append(w.elapsedMilliseconds)
                    w = Stopwatch()
                    _ = try RealisedOptimalSelection(target: p, law: law)
                    b.append(w.elapsedMilliseconds)
                    w = Stopwatch()
                    _ = try OptimalSelectionVerifier(target: p, law: law)
                    c.append(w.elapsedMilliseconds)
                }
                FileHandle.standardError.write(
                    Data("  T=\(t) n=\(n) best ms: r* \(a.min()!), realised \(b.min()!), verifier \(c.min()!)\n".utf8))
            }
            table.append([
                .text(law.name), .integer(v), .real(t), .integer(n), .integer(repeats), .real(setups.min()!),
                .real(median(setups)), .real(duals.min()!), .real(median(duals)), .real(setups.min()! / duals.min()!),
                .real(median(setups) / median(duals)), .real(selection.certifiedGap), .integer(selection.fittedBlocks),
                .integer(selection.iterations), .text(selection.method.rawValue)
            ])
            FileHandle.standardError.write(
                Data("T=\(t) n=\(n): setup \(median(setups)) ms, dual \(median(duals)) ms\n".utf8))
        }
    }
    print(table.text, terminator: "")
    exit(0)
}
let vocabulary = Int(options["vocab"] ?? "") ?? 32_000
let n = Int(options["drafts"] ?? "") ?? 4
let threads = Int(options["threads"] ?? "") ?? availableCores
let seed = UInt64(options["seed"] ?? "") ?? 1
let defaultTrials = Int(options["trials"] ?? "") ?? 20_000_000
let names = (options["verifiers"] ?? "single,rrs,kseq,greedy,naive,rrs-without-replacement,sir").split(separator: ",")
    .map(String.init)

// Target and draft: temperature-1 softmax of correlated Zipf-like logits (draft = target logits + noise).
var rng = Xoshiro256(seed: seed)
let targetLogits = Distribution.zipfLogits(vocabulary, using: &rng)
let draftLogits = targetLogits.map { $0 + 0.7 * Distribution.gaussian(using: &rng) }
let p = try Distribution(logits: targetLogits, temperature: 1)
let q = try Distribution(logits: draftLogits, temperature: 1)

var table = CSVTable(header: [
    "verifier", "law", "drafts", "vocab", "trials", "threads", "setup_ms", "elapsed_ms",
    "trials_per_second", "acceptance", "exact_acceptance"
])
for name in names {
    let entry = try VerifierRegistry.standard.entry(named: name)
    let drafts = entry.drafts.contains(n) ? n : entry.drafts.lowerBound
    let law = try DraftLaw.named(entry.naturalLaw, drafts: [q], count: drafts)
    let setup = Stopwatch()
    let verifier = try VerifierRegistry.standard.makeVerifier(name: name, target: p, law: law)
    let setupMs = setup.elapsedMilliseconds
    let trials = defaultTrials
    let result = MonteCarlo.run(anyVerifier: verifier, trials: trials, seed: seed, threads: threads)
    table.append([
        .text(name), .text(law.name), .integer(drafts), .integer(vocabulary), .integer(trials),
        .integer(threads), .real(setupMs), .real(result.elapsedMilliseconds), .real(result.trialsPerSecond),
        .real(result.acceptance), verifier.exactAcceptance.map { CSVValue.real($0) } ?? .empty
    ])
    FileHandle.standardError.write(Data("\(name): \(Int(result.trialsPerSecond)) trials/s\n".utf8))
}
print(table.text, terminator: "")
