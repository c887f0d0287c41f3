import Foundation
import Multidraft

/// One experiment: a sweep of independent work items, each producing rows of one tidy table.
///
/// Items are computed from `(seed, item index)` alone, so any split across threads, shards or resumed runs gives
/// the same rows; the final table lists items in index order.
public protocol Experiment {
    /// File stem of the table: `<outputDir>/<name>.csv`.
    static var name: String { get }
    /// The table's header (snake_case); `item`, `seed` and `multidraft_version` columns are prepended.
    static var header: [String] { get }
    /// The parameter points of the sweep at this scale.
    associatedtype Item
    static func items(scale: ExperimentScale) -> [Item]
    /// The rows of one item. `rng` is this item's own stream, `(seed, stream: index)`.
    static func rows(for item: Item, context: ExperimentContext, rng: inout Xoshiro256) throws -> [[CSVValue]]
    /// Whether items may run concurrently (false for timing experiments).
    static var parallelItems: Bool { get }
}

extension Experiment {
    public static var parallelItems: Bool { true }
}

/// What an item knows about its run.
public struct ExperimentContext: Sendable {
    public let index: Int
    public let scale: ExperimentScale
    /// Threads this item may use itself (1 when items run concurrently).
    public let threads: Int
    /// The run's seed (instances shared across items derive from it).
    public let seed: UInt64
    /// The verifiers the experiment compares (the toolkit's, plus a user's when given to the runner).
    public var registry: VerifierRegistry = .standard
    /// The run's output directory (for side files such as instances handed to the Python peers).
    public var outputDir: String = "."
}

/// Runs experiments: finished items are kept as part files under `<outputDir>/.parts/<name>/` (written atomically),
/// so an interrupted run resumes where it stopped and shards can run anywhere; the merge writes the final CSV.
public enum ExperimentRunner {
    public static func run<E: Experiment>(
        _ experiment: E.Type, options: ExperimentOptions, registry: VerifierRegistry = .standard
    ) throws {
        let scale = options.effectiveScale
        let (shard, shards) = try options.shardSpec()
        let folder = URL(fileURLWithPath: options.outputDir)
        let parts = folder.appendingPathComponent(".parts").appendingPathComponent("\(E.name)-\(scale.rawValue)-\(options.seed)")
        try FileManager.default.createDirectory(at: parts, withIntermediateDirectories: true)
        let items = E.items(scale: scale)
        let header = ["item", "seed", "multidraft_version"] + E.header
        if !options.merge {
            let mine = items.indices.filter { $0 % shards == shard }
            let todo = mine.filter { !FileManager.default.fileExists(atPath: partPath(parts, $0).path) }
            let workers = E.parallelItems ? options.threads : 1
            let itemThreads = E.parallelItems ? 1 : options.threads
            let failures: [String?] = parallelMap(count: todo.count, threads: workers) { k in
                let index = todo[k]
                var rng = Xoshiro256(seed: options.seed, stream: UInt64(index))
                do {
                    let context = ExperimentContext(index: index, scale: scale, threads: itemThreads, seed: options.seed,
                                                    registry: registry, outputDir: options.outputDir)
                    let rows = try E.rows(for: items[index], context: context, rng: &rng)
                    var table = CSVTable(header: header)
                    for row in rows {
                        table.append([.integer(index), .text(String(options.seed)), .text(multidraftVersion)] + row)
                    }
                    try table.write(to: partPath(parts, index).path)
                    return nil
                } catch {
                    return "item \(index): \(error)"
                }
            }
            if let failure = failures.compactMap({ $0 }).first {
                throw ExperimentError.itemFailed(experiment: E.name, detail: failure)
            }
            if shards > 1 { return }   // the merge step assembles the table once every shard is done
        }
        var table = CSVTable(header: header)
        for index in items.indices {
            let path = partPath(parts, index).path
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ExperimentError.missingPart(experiment: E.name, item: index)
            }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            guard lines.first.map(String.init) == header.joined(separator: ",") else {
                throw ExperimentError.staleParts(experiment: E.name, path: path)
            }
            lines.removeFirst()
            table.appendRaw(lines.map(String.init))
        }
        try table.write(to: folder.appendingPathComponent("\(E.name).csv").path)
    }

    static func partPath(_ folder: URL, _ index: Int) -> URL {
        folder.appendingPathComponent(String(format: "item-%06d.csv", index))
    }
}

public enum ExperimentError: Error, CustomStringConvertible {
    case itemFailed(experiment: String, detail: String)
    case missingPart(experiment: String, item: Int)
    case staleParts(experiment: String, path: String)

    public var description: String {
        switch self {
        case .itemFailed(let e, let d): return "experiment \(e) failed: \(d)"
        case .missingPart(let e, let i): return "experiment \(e): item \(i) has not been computed yet (run every shard before --merge)"
        case .staleParts(let e, let p): return "experiment \(e): part file \(p) has another header (delete the .parts folder)"
        }
    }
}
