import Dispatch

/// Evaluates `body(0..<count)` on `threads` worker threads and returns the results in index order.
///
/// The work split is static (worker w takes indices w, w + threads, ...), and each result lands in its own slot,
/// so the output is identical for every thread count as long as `body(i)` depends on `i` alone (for random work,
/// derive the generator from `i`: `Xoshiro256(seed: seed, stream: UInt64(i))`).
package func parallelMap<T>(count: Int, threads: Int, _ body: (Int) -> T) -> [T] {
    precondition(count >= 0 && threads >= 1)
    if count == 0 { return [] }
    let workers = min(threads, count)
    if workers == 1 { return (0..<count).map(body) }
    var results = [T?](repeating: nil, count: count)
    results.withUnsafeMutableBufferPointer { buffer in
        let base = buffer.baseAddress!
        withoutActuallyEscaping(body) { body in
            // Each index is written by exactly one worker and read only after concurrentPerform returns.
            let shared = UncheckedSendable((base, body))
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let (base, body) = shared.value
                var i = worker
                while i < count {
                    (base + i).pointee = body(i)
                    i += workers
                }
            }
        }
    }
    return results.map { $0! }
}

/// A value handed to concurrent workers whose safe use the caller guarantees (see ``parallelMap(count:threads:_:)``).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The number of cores available to this process.
package var availableCores: Int {
    max(1, sysconfCores())
}

#if canImport(Glibc)
import Glibc
private func sysconfCores() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
#elseif canImport(Darwin)
import Darwin
private func sysconfCores() -> Int { Int(sysconf(_SC_NPROCESSORS_ONLN)) }
#else
private func sysconfCores() -> Int { 1 }
#endif
