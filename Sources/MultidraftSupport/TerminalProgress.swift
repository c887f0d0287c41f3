import Foundation

/// Progress of a long run on a terminal: `label: 42% of N` rewritten in place on stderr at most twice a second,
/// and erased when the run ends. Nothing is printed when stderr is not a terminal (pipes, files, tests), so the
/// output contract of a command is unchanged.
package final class TerminalProgress: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let lock = NSLock()
    private var done = 0
    private var lastPrint = Stopwatch()
    private var printed = false
    private let started = Stopwatch()

    /// A progress line for `total` units, or nil when stderr is not a terminal.
    package static func ifTerminal(label: String, total: Int) -> TerminalProgress? {
        isatty(STDERR_FILENO) == 1 && total > 0 ? TerminalProgress(label: label, total: total) : nil
    }

    private init(label: String, total: Int) {
        self.label = label
        self.total = total
    }

    /// Records `units` more done (thread-safe).
    package func advance(by units: Int) {
        lock.lock()
        defer { lock.unlock() }
        done = min(total, done + units)
        guard lastPrint.elapsedMilliseconds >= 500 else { return }
        lastPrint = Stopwatch()
        printed = true
        let percent = Int((Double(done) / Double(total) * 100).rounded(.down))
        let seconds = started.elapsedMilliseconds / 1000
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let eta = rate > 0 ? Int((Double(total - done) / rate).rounded()) : 0
        let text =
            "\r\(label): \(percent)% of \(total), " + String(format: "%.1f/s, ETA %d:%02d", rate, eta / 60, eta % 60)
            + "\u{1B}[K"
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Erases the progress line.
    package func finish() {
        lock.lock()
        defer { lock.unlock() }
        if printed { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        printed = false
    }
}
