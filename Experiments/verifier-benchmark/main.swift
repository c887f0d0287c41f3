// Throughput of every verifier's Monte-Carlo loop (draft + verify + tally) at LLM-like vocabulary size.
//
// Usage: verifier-benchmark [--vocab V] [--drafts N] [--trials T] [--threads K] [--seed S] [--verifiers a,b,...]
// Prints CSV: verifier,law,drafts,vocab,trials,threads,setup_ms,elapsed_ms,trials_per_second,acceptance,exact_acceptance
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
