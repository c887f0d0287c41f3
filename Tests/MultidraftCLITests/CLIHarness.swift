import Foundation

/// Runs the built `multidraft` executable (it sits beside the test bundle in the build folder).
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        /// Whether the process was ended by a signal (then `status` is the signal number).
        var signaled = false
    }

    static let executable: URL = {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("multidraft")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/multidraft")
    }()

    /// Runs the executable with `arguments`, in `directory` (default: the current directory).
    static func run(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self),
            signaled: process.terminationReason == .uncaughtSignal)
    }

    /// Parses a one-row CSV into header → value.
    static func row(_ csv: String) -> [String: String] {
        let lines = csv.split(separator: "\n").map(String.init)
        guard lines.count >= 2 else { return [:] }
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let values = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return Dictionary(uniqueKeysWithValues: zip(header, values))
    }

    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("multidraft-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
