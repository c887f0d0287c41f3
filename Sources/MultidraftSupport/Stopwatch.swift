import Dispatch

/// Wall-clock timing for `elapsed_ms` columns.
package struct Stopwatch: Sendable {
    private let start = DispatchTime.now().uptimeNanoseconds

    package init() {}

    /// Milliseconds since the stopwatch was created.
    package var elapsedMilliseconds: Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    /// The medians of two computations timed alternately (a, b, a, b, …), with the last value of each: a change in
    /// the machine's load during the runs moves both, not their ratio.
    package static func interleavedMedians<A, B>(
        repeats: Int, _ first: () throws -> A, _ second: () throws -> B
    ) rethrows -> (first: (milliseconds: Double, value: A), second: (milliseconds: Double, value: B)) {
        var times: ([Double], [Double]) = ([], [])
        var values: (A?, B?) = (nil, nil)
        for _ in 0..<max(1, repeats) {
            var watch = Stopwatch()
            values.0 = try first()
            times.0.append(watch.elapsedMilliseconds)
            watch = Stopwatch()
            values.1 = try second()
            times.1.append(watch.elapsedMilliseconds)
        }
        return ((median(of: times.0), values.0!), (median(of: times.1), values.1!))
    }

    /// The median of non-empty `values`.
    package static func median(of values: [Double]) -> Double {
        let sorted = values.sorted(), m = sorted.count
        return m % 2 == 1 ? sorted[m / 2] : 0.5 * (sorted[m / 2 - 1] + sorted[m / 2])
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
        return (median(of: times), value!)
    }
}
