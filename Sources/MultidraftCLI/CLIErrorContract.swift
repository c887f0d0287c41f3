import ArgumentParser
import Foundation
import Multidraft
import MultidraftIO

/// The command-line contract for every failure, argument-parser errors included: one line `error: …` on stderr,
/// exit status 2, nothing on stdout and no output file. `--help`, `help` and `--version` keep ArgumentParser's
/// behaviour (text on stdout, exit status 0).
extension MultidraftCommand {
    public static func main() {
        runUnderContract(nil)
    }

    /// Parses `arguments` (default: the process's) and runs the command under the contract; never returns.
    static func runUnderContract(_ given: [String]?) -> Never {
        let arguments = CLIErrorContract.preprocess(given ?? Array(CommandLine.arguments.dropFirst()))
        let command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) } // --help, --version
            CLIErrorContract.fail(CLIErrorContract.withFlags(message(for: error), error))
        }
        do {
            var command = command
            try command.run()
            Foundation.exit(0)
        } catch let code as ExitCode {
            Foundation.exit(code == .success ? 0 : 2)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            CLIErrorContract.fail(CLIErrorContract.withFlags(message(for: error), error))
        }
    }
}

enum CLIErrorContract {
    /// The exit status of every failure.
    static let failureStatus: Int32 = 2

    /// The message of a library error that suggests changing parameters, with this command's flags for them
    /// appended, e.g. `… raise the iteration budget (--max-iterations)`. Libraries never spell flags.
    static func withFlags(_ message: String, _ error: any Error) -> String {
        guard let suggesting = error as? any ParameterSuggesting, !suggesting.suggestedParameters.isEmpty else {
            return message
        }
        return message + " (" + suggesting.suggestedParameters.map(\.flag).joined(separator: ", ") + ")"
    }

    /// Prints `error: <first line of message>` to stderr and exits with status 2.
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(oneLine(message))\n".utf8))
        Foundation.exit(failureStatus)
    }

    /// The message as one line: ArgumentParser's `Error:`/`Usage:`/`Help:` decorations dropped, the remaining lines
    /// joined, control characters replaced by spaces.
    static func oneLine(_ message: String) -> String {
        var lines: [String] = []
        for raw in message.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Usage:") || line.hasPrefix("Help:") || line.hasPrefix("See '") { break }
            for prefix in ["Error: ", "error: "] where line.hasPrefix(prefix) {
                line = String(line.dropFirst(prefix.count))
            }
            if !line.isEmpty { lines.append(line) }
        }
        let joined = lines.isEmpty ? "invalid arguments" : lines.joined(separator: " ")
        return String(joined.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
    }

    /// Makes negative numbers values: `--target -1,2,3` becomes `--target=-1,2,3` (ArgumentParser would read `-1,2,3`
    /// as a cluster of short options). Only a `--long` option without `=` followed by a token that starts with `-`
    /// and then a digit, a point, `inf` or `nan` is joined; everything after `--` is left alone.
    static func preprocess(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let token = arguments[i]
            if token == "--" { out += arguments[i...]; break }
            if token.hasPrefix("--"), token.count > 2, !token.contains("="), i + 1 < arguments.count,
                looksNegative(arguments[i + 1])
            {
                out.append(token + "=" + arguments[i + 1])
                i += 2
                continue
            }
            out.append(token)
            i += 1
        }
        return out
    }

    static func looksNegative(_ token: String) -> Bool {
        guard token.hasPrefix("-"), !token.hasPrefix("--") else { return false }
        let rest = token.dropFirst()
        guard let first = rest.first else { return false }
        if first.isASCII && (first.isNumber || first == ".") { return true }
        let lower = rest.lowercased()
        return lower.hasPrefix("inf") || lower.hasPrefix("nan")
    }

    /// The safety net behind "no NaN/Inf ever in a CSV": refuses a table with a non-finite cell, naming its column.
    static func requireFinite(_ table: CSVTable) throws {
        for line in table.lines {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            for (k, cell) in cells.enumerated() where ["nan", "inf", "-inf", "-nan"].contains(cell) {
                let column = k < table.header.count ? table.header[k] : "#\(k + 1)"
                throw UsageError(
                    "the result has no finite value for '\(column)' (the inputs are outside the range this computation supports)"
                )
            }
        }
    }
}

extension SuggestedParameter {
    /// The `multidraft` command's spelling of the parameter.
    var flag: String {
        switch self {
        case .topK: return "--top-k"
        case .topP: return "--top-p"
        case .logits: return "--logits"
        case .draft: return "--draft"
        case .verifiers: return "--verifiers"
        case .trials: return "--trials"
        case .bins: return "--bins"
        case .maxLength: return "--max-length"
        case .maxIterations: return "--max-iterations"
        case .exactConfirmation: return "--exact"
        case .method: return "--method"
        case .truncate: return "--truncate"
        case .scheme: return "--scheme"
        case .maxPlanVariables: return "--max-lp-variables"
        case .maxFlowArcs: return "--max-flow-arcs"
        }
    }
}
