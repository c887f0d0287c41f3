import ArgumentParser
import Foundation
import Multidraft
import MultidraftIO

/// Shared output conventions of every subcommand: tidy CSV to stdout or atomically to `--output FILE`; any error
/// becomes one line `error: …` on stderr, exit code 2, nothing on stdout and no file written.
enum CLIOutput {
    /// Writes the table to `path` (atomically) or to stdout, together with the `extra` files: all of them or none
    /// (see ``SafeOutputFile``). A table with a non-finite value is refused.
    static func emit(_ table: CSVTable, to path: String?, extra: [(path: String, table: CSVTable)] = []) throws {
        try CLIErrorContract.requireFinite(table)
        for file in extra { try CLIErrorContract.requireFinite(file.table) }
        var files = extra.map { (path: $0.path, text: $0.table.text) }
        if let path { files.append((path, table.text)) }
        if !files.isEmpty { try SafeOutputFile.write(files) }
        if path == nil {
            FileHandle.standardOutput.write(Data(table.text.utf8))
        }
    }

    /// Runs `body`; on error prints one line to stderr and exits with status 2.
    static func run(_ body: () throws -> Void) throws {
        CLINotes.shared.discard()
        do {
            try body()
            CLINotes.shared.flush()
        } catch let exit as ExitCode {
            CLINotes.shared.discard()
            throw exit
        } catch {
            CLINotes.shared.discard()
            let message = CLIErrorContract.withFlags(String(describing: error), error).replacingOccurrences(
                of: "\n", with: " ")
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// A command-line usage problem found after parsing (a bad combination of options).
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads a distribution argument (`0.5,0.5` or `@file`), as probabilities or, with `logits`, as logits at `temperature`.
func readDistribution(_ argument: String, what: String, logits: Bool, temperature: Double) throws -> Distribution {
    // A float16/float32 .npy probability vector: its sum is 1 only within the dtype's rounding
    // (ElementType.sumTolerance); it is renormalised in float64 and a note says so on stderr.
    if !logits, argument.hasPrefix("@"), argument.lowercased().hasSuffix(".npy"),
        let tensor = (try? TensorFile.open(String(argument.dropFirst())))?.tensors[""],
        tensor.shape.count == 1, tensor.type != .float64, tensor.type.isFloat
    {
        do {
            let values = tensor.row(0)
            let p = try RowProcessing().distribution(
                values, type: tensor.type, path: tensor.path,
                position: 0)
            let sum = values.reduce(0, +)
            CLINotes.shared.add(
                "\(what): \(tensor.type.rawValue) probabilities summing to \(sum) renormalised in float64")
            return p
        } catch let error as DatasetError {
            throw UsageError("\(what): \(error)".replacingOccurrences(of: ": position 0:", with: ":"))
        }
    }
    do {
        let values = try Distribution.readVector(argument)
        return logits ? try Distribution(logits: values, temperature: temperature) : try Distribution(values)
    } catch let error as DistributionError {
        throw UsageError("\(what): \(error)")
    }
}

/// Reads the target and the `--draft` distributions (as probabilities or logits) and checks that every draft has
/// the target's vocabulary size.
func readTargetAndDrafts(
    target: String, drafts: [String], logits: Bool = false, temperature: Double = 1
) throws
    -> (target: Distribution, drafts: [Distribution])
{
    let p = try readDistribution(target, what: "--target", logits: logits, temperature: temperature)
    var qs: [Distribution] = []
    for (i, d) in drafts.enumerated() {
        let q = try readDistribution(d, what: "--draft \(i + 1)", logits: logits, temperature: temperature)
        try p.requireSameVocabulary(q, what: "--draft \(i + 1)")
        qs.append(q)
    }
    return (p, qs)
}

/// `note:` lines of a command, held back until it succeeds: a failing command prints its one `error:` line only.
final class CLINotes: @unchecked Sendable {
    static let shared = CLINotes()
    private let lock = NSLock()
    private var pending: [String] = []

    func add(_ note: String) {
        lock.lock(); defer { lock.unlock() }
        pending.append(note)
    }

    func discard() {
        lock.lock(); defer { lock.unlock() }
        pending.removeAll()
    }

    func flush() {
        lock.lock(); defer { lock.unlock() }
        for note in pending { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        pending.removeAll()
    }
}
