import Foundation
import Testing

/// The command-line contract every run must keep, whatever its arguments.
enum CLIContract {
    /// The ways a run broke the contract (empty: it kept it).
    static func violations(_ r: CLI.Result, outputs: [String]) -> [String] {
        var found: [String] = []
        if r.signaled { return ["killed by signal \(r.status)"] }
        switch r.status {
        case 0:
            var texts = [r.stdout]
            for path in outputs {
                if let text = try? String(contentsOfFile: path, encoding: .utf8) { texts.append(text) }
            }
            for text in texts where hasNonFiniteCell(text) { found.append("a nan/inf cell in the output") }
        case 2:
            if !r.stdout.isEmpty { found.append("stdout not empty on failure") }
            let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
            if !(r.stderr.hasPrefix("error: ") && r.stderr.hasSuffix("\n") && lines.count == 2) {
                found.append("stderr is not one line 'error: …': \(r.stderr.prefix(300))")
            }
            for path in outputs where FileManager.default.fileExists(atPath: path) {
                found.append("file left behind: \(path)")
            }
        default:
            found.append("exit status \(r.status)")
        }
        return found
    }

    /// Whether a CSV text holds a cell spelled nan/inf/-inf.
    static func hasNonFiniteCell(_ text: String) -> Bool {
        for line in text.split(separator: "\n") {
            for cell in line.split(separator: ",", omittingEmptySubsequences: false) {
                if ["nan", "-nan", "inf", "-inf", "+inf"].contains(cell.lowercased()) { return true }
            }
        }
        return false
    }

    /// Temporary files (`.name.tmp-…`) left in a folder.
    static func temporaries(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.contains(".tmp-") }
    }
}
