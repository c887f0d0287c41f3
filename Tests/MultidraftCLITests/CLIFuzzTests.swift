import Foundation
import Multidraft
import Testing

/// A seeded mutation fuzzer over the command line: valid command lines of every subcommand, mutated 1–3 times
/// (tokens replaced by hostile values, deleted, duplicated, swapped, options inserted, characters edited, outputs
/// pointed at links, FIFOs, devices, folders or each other), each run by the built executable and checked against
/// ``CLIContract``: no signal, exit status 0 or 2, one line `error: …`, no file left, no nan/inf in any output.
///
/// `swift test` runs 300 cases. `MULTIDRAFT_FUZZ_CASES=10000 MULTIDRAFT_FUZZ_SEED=15 MULTIDRAFT_FUZZ_WORKERS=2
/// swift test --filter CLIFuzzTests` runs a long campaign. The limits that can be raised (`--max-work`,
/// `--max-memory-mb`, `--max-lp-variables`, `--max-weight-lp-variables`) are never inserted, so every admitted run
/// stays small; the largest admitted count is 1000.
@Suite struct CLIFuzzTests {
    static var cases: Int { Int(ProcessInfo.processInfo.environment["MULTIDRAFT_FUZZ_CASES"] ?? "") ?? 300 }
    static var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment["MULTIDRAFT_FUZZ_SEED"] ?? "") ?? 15 }
    static var workers: Int { max(1, Int(ProcessInfo.processInfo.environment["MULTIDRAFT_FUZZ_WORKERS"] ?? "") ?? 1) }

    /// Input files shared by every case.
    struct Inputs {
        let folder: URL
        let p4 = "0.1,0.2,0.3,0.4", q4 = "0.4,0.3,0.2,0.1", r4 = "0.25,0.25,0.25,0.25"
        let acceptance: String, fit: String, nul: String, hugeNpy: String, npy: String, bigWeights: String, fifo: String

        init(folder: URL) {
            self.folder = folder
            func write(_ name: String, _ data: Data) -> String {
                let path = folder.appendingPathComponent(name).path
                FileManager.default.createFile(atPath: path, contents: data)
                return path
            }
            acceptance = write("acceptance.txt", Data("0.2\n0.5\n0.9\n0.5\n".utf8))
            fit = write(
                "fit.csv", Data("draft_calls,target_calls,seconds\n10,2,1.3\n20,2,2.1\n30,5,3.9\n12,3,1.8\n".utf8))
            nul = write("nul.txt", Data("0.2\u{0}garbage\n0.8\n".utf8))
            bigWeights = write("big.txt", Data("0.5,1e308\n0.7,1e308\n".utf8))
            npy = write("q.npy", Distribution.npyData([0.4, 0.3, 0.2, 0.1]))
            var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }"
            header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
            var huge = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
            huge.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
            huge.append(contentsOf: Array(header.utf8) + [UInt8](repeating: 0, count: 16))
            hugeNpy = write("huge.npy", huge)
            fifo = folder.appendingPathComponent("input-fifo").path
            mkfifo(fifo, 0o600) // read with no writer: must not hang
        }

        var seeds: [[String]] {
            let simulate = { (verifier: String) in
                [
                    "simulate", "--verifier", verifier, "--target", p4, "--draft", q4, "--trials", "500", "--seed", "3",
                    "--output", "OUT", "--counts-output", "COUNTS"
                ]
            }
            return [
                ["bound", "--target", p4, "--draft", q4, "--law", "iid", "--drafts", "2"],
                [
                    "bound", "--target", p4, "--draft", q4, "--law", "without-replacement", "--drafts", "2", "--method",
                    "lp",
                    "--certificate", "--output", "OUT"
                ],
                [
                    "bound", "--target", p4, "--draft", q4, "--draft", r4, "--law", "independent", "--exact",
                    "--certificate"
                ],
                [
                    "bound", "--logits", "--target", "-1,2,0.5,3", "--draft", "0,1,2,-2", "--law", "greedy", "--drafts",
                    "2",
                    "--temperature", "0.7"
                ],
                ["bound", "--target", "@" + npy, "--draft", q4, "--law", "spechub", "--drafts", "2", "--repeat", "3"],
                simulate("rrs"), simulate("naive"), simulate("kseq"), simulate("sir"), simulate("optimal"),
                simulate("spechub"), simulate("single"), simulate("rrs-without-replacement"), simulate("importance"),
                [
                    "simulate", "--verifier", "naive", "--law", "without-replacement", "--drafts", "3", "--target", p4,
                    "--draft", q4, "--trials", "300", "--seed", "9", "--threads", "2"
                ],
                ["verifiers", "--output", "OUT"],
                ["length", "--alpha", "0.8", "--cost", "0.1"],
                [
                    "length", "--acceptance", "@" + acceptance, "--t-draft", "1", "--t-target", "10", "--max-length",
                    "6",
                    "--bins", "3", "--output", "OUT"
                ],
                ["fit-cost", "@" + fit, "--output", "OUT"],
                ["importance", "--target", p4, "--draft", q4, "--draft", r4],
                ["importance", "--target", p4, "--draft", q4, "--draft", q4, "--truncate", "2", "--output", "OUT"],
                ["selection-law", "--target", p4, "--draft", q4, "--drafts", "3", "--law", "without-replacement"],
                ["selection-law", "--target", "@" + npy, "--draft", q4, "--drafts", "2", "--output", "OUT"],
                ["block-bound", "--target", p4, "--draft", q4, "--drafts", "2", "--length", "2", "--output", "OUT"],
                [
                    "block-efficiency", "--target", p4, "--draft", q4, "--drafts", "1", "--length", "2", "--verifier",
                    "block"
                ],
                [
                    "block-efficiency", "--target", p4, "--draft", q4, "--drafts", "3", "--length", "2", "--verifier",
                    "select-block",
                    "--trials", "2000"
                ]
            ]
        }

        var values: [String] {
            [
                "0", "1", "2", "3", "7", "-1", "-0", "2.5", "1e6", "nan", "inf", "-inf", "1e308", "-1e308", "5e-324",
                "1e-300",
                "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616",
                "4611686018427387906", "1000000000", "1000", "", " ", ",", "0.5,0.5", "0.5,,0.5", "-1,2,3", "1,0",
                "0,0",
                "0,0,0,0", "0.2,0.3,0.5", p4, q4, "1e-300,1", "0.25,0.25,0.25,0.25,0", "@", "@/nonexistent", "@" + nul,
                "@" + hugeNpy, "@" + fifo, "@" + acceptance, "@" + bigWeights, "@" + fit, "@" + npy, "@" + folder.path,
                "@/dev/null",
                "iid", "without-replacement", "independent", "greedy", "spechub", "explicit", "lp", "dual", "auto",
                "brute-force", "optimal", "naive", "rrs", "kseq", "sir", "importance", "single", "--", "-", "é",
                String(repeating: "9", count: 400), "0x10", "+1", "1_000", "--help", "-h"
            ]
        }

        static let options = [
            "--target", "--draft", "--drafts", "--law", "--method", "--exact", "--certificate", "--logits",
            "--temperature", "--repeat", "--threads", "--output", "--verifier", "--trials", "--seed",
            "--truncate", "--scheme", "--counts-output", "--alpha", "--cost", "--acceptance", "--t-draft",
            "--t-target", "--max-length", "--bins", "--version"
        ]
        static let commands = ["bound", "simulate", "verifiers", "length", "fit-cost", "importance", "selection-law"]
    }

    struct Case {
        let arguments: [String]
        let outputs: [String]
        let folder: URL
    }

    /// Case k: deterministic in (seed, k), independent of every other case.
    static func makeCase(_ k: Int, seed: UInt64, inputs: Inputs) -> Case {
        var rng = Xoshiro256(seed: seed, stream: UInt64(k))
        func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
        func index(_ n: Int) -> Int { Int(rng.next() % UInt64(max(1, n))) }
        let folder = inputs.folder.appendingPathComponent("case-\(k)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let out = folder.appendingPathComponent("out.csv").path,
            counts = folder.appendingPathComponent("counts.csv").path
        var args = pick(inputs.seeds).map { $0 == "OUT" ? out : ($0 == "COUNTS" ? counts : $0) }
        if index(3) == 0 {
            // soft mutations: option values replaced by numbers and vectors that parse (edge values of the maths)
            let soft = [
                "0", "1", "2", "3", "4", "0.5", "0.999", "1e-300", "5e-324", "1e-12", "1e308", "1000", "-1",
                "1,0,0,0", "0,0,0,1", "0.5,0.5,0,0", "1e-300,1,1,1", "0,0.5,0,0.5", "1e-17,1,0,0"
            ]
            let values = args.indices.filter { $0 > 0 && args[$0 - 1].hasPrefix("--") && !args[$0].hasPrefix("--") }
            for _ in 0..<(1 + index(2)) where !values.isEmpty { args[pick(values)] = pick(soft) }
            let outputs = [out, counts, folder.appendingPathComponent("target.csv").path]
            return Case(arguments: args, outputs: outputs, folder: folder)
        }
        for _ in 0..<(1 + index(3)) {
            let i = 1 + index(args.count - 1)
            switch index(9) {
            case 0, 1: if i < args.count { args[i] = pick(inputs.values) } else { args.append(pick(inputs.values)) }
            case 2: if args.count > 1 && i < args.count { args.remove(at: i) }
            case 3: if i < args.count { args.insert(args[i], at: i) }
            case 4: args.insert(contentsOf: [pick(Inputs.options), pick(inputs.values)], at: min(i, args.count))
            case 5: args.insert(pick(Inputs.options), at: min(i, args.count))
            case 6:
                let j = 1 + index(args.count - 1)
                if i < args.count && j < args.count { args.swapAt(i, j) }
            case 7:
                guard i < args.count else { break }
                var chars = Array(args[i])
                let c = pick(Array("-0123456789.,e@ +xn"))
                let at = index(chars.count + 1)
                switch index(3) {
                case 0: chars.insert(c, at: min(at, chars.count))
                case 1: if !chars.isEmpty { chars.remove(at: min(at, chars.count - 1)) }
                default: if !chars.isEmpty { chars[min(at, chars.count - 1)] = c }
                }
                args[i] = String(chars)
            default:
                // an output aimed at something hostile
                let fifo = folder.appendingPathComponent("fifo").path
                let link = folder.appendingPathComponent("link.csv").path
                let special = pick(["fifo", "null", "folder", "missing", "same", "link", "dangling"])
                var target = out
                switch special {
                case "fifo": mkfifo(fifo, 0o600); target = fifo
                case "null": target = "/dev/null"
                case "folder": target = folder.path
                case "missing": target = folder.appendingPathComponent("no/such/folder.csv").path
                case "same": target = counts
                case "link":
                    try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target.csv")
                    target = link
                default:
                    try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "no/target.csv")
                    target = link
                }
                args += [pick(["--output", "--counts-output"]), target]
            }
            if index(20) == 0 { args[0] = pick(Inputs.commands) }
        }
        // The files this run may create: the regular outputs and the target of the link (none exists yet).
        let outputs = [out, counts, folder.appendingPathComponent("target.csv").path]
        return Case(arguments: args, outputs: outputs, folder: folder)
    }

    @Test func mutatedCommandLinesKeepTheContract() throws {
        let root = CLI.temporaryFolder()
        let inputs = Inputs(folder: root)
        let total = Self.cases, seed = Self.seed
        /// Tallies shared by the workers, guarded by `lock`.
        final class Tally: @unchecked Sendable {
            let lock = NSLock()
            var failures: [String] = []
            var statuses: [Int32: Int] = [:]
        }
        let tally = Tally()
        DispatchQueue.concurrentPerform(iterations: Self.workers) { worker in
            var k = worker
            while k < total {
                let c = Self.makeCase(k, seed: seed, inputs: inputs)
                var problems: [String]
                var status: Int32 = -1
                do {
                    // run inside the case's folder, so that relative output paths land there too
                    let before = Set((try? FileManager.default.contentsOfDirectory(atPath: c.folder.path)) ?? [])
                    let r = try CLI.run(c.arguments, in: c.folder)
                    status = r.signaled ? -r.status : r.status
                    problems = CLIContract.violations(r, outputs: c.outputs)
                    problems += CLIContract.temporaries(in: c.folder).map { "temporary file left: \($0)" }
                    if r.status == 2 && !r.signaled {
                        let after = Set((try? FileManager.default.contentsOfDirectory(atPath: c.folder.path)) ?? [])
                        problems += after.subtracting(before).sorted().map { "file left after a failure: \($0)" }
                    }
                } catch {
                    problems = ["could not run: \(error)"]
                }
                tally.lock.lock()
                tally.statuses[status, default: 0] += 1
                if !problems.isEmpty {
                    tally.failures.append(
                        "case \(k): \(c.arguments.map { $0.debugDescription }.joined(separator: " ")) -> \(problems)")
                }
                tally.lock.unlock()
                k += Self.workers
            }
        }
        let failures = tally.failures, statuses = tally.statuses
        print(
            "fuzz: \(total) cases, seed \(seed): exit statuses \(statuses.sorted { $0.key < $1.key }), \(failures.count) violations"
        )
        #expect(
            failures.isEmpty,
            "\(failures.count) of \(total) cases broke the contract:\n\(failures.prefix(30).joined(separator: "\n"))")
        try? FileManager.default.removeItem(at: root)
    }
}
