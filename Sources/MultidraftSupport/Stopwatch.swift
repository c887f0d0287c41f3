import Dispatch

/// Wall-clock timing for `elapsed_ms` columns.
package struct Stopwatch: Sendable {
    private let start = DispatchTime.now().uptimeNanoseconds

    package init() {}

    /// Milliseconds since the stopwatch was created.
    package var elapsedMilliseconds: Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    /// The median time in milliseconds of `repeats` runs of `body` (at least one), and the last result.
    package static func median<T>(repeats: Int, _ body: () throws -> T) rethrows -> (milliseconds: Double, value: T) {
        var times: [Double] = []
        var value: T? = nil
        for _ in 0..<max(1, repeats) {
            let watch = Stopwatch()
            value = try body()
            times.append(watch.elapsedMilliseconds)
        }
        times.sort()
        let m = times.count
        let median = m % 2 == 1 ? times[m / 2] : 0.5 * (times[m / 2 - 1] + times[m / 2])
        return (median, value!)
    }
}
