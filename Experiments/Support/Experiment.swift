import Foundation
import Multidraft
import MultidraftIO
import MultidraftSupport

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
        let shard = try options.shardSpec()
        let items = E.items(scale: scale)
        let header = ["item", "seed", "multidraft_version"] + E.header
        let parts = PartFiles(
            folder: options.outputDir + "/.parts/\(E.name)-\(scale.rawValue)-\(options.seed)",
            header: header, count: items.count
        ) { String(format: "item-%06d.csv", $0) }
        do { try parts.prepare(fingerprint: nil) } catch {
            throw ExperimentError.itemFailed(experiment: E.name, detail: "cannot create \(parts.folder): \(error)")
        }
        if !options.merge {
            let todo = parts.todo(shard: shard)
            let workers = E.parallelItems ? options.threads : 1
            let itemThreads = E.parallelItems ? 1 : options.threads
            let failures: [String?] = parallelMap(count: todo.count, threads: workers) { k in
                let index = todo[k]
                var rng = Xoshiro256(seed: options.seed, stream: UInt64(index))
                do {
                    let context = ExperimentContext(
                        index: index, scale: scale, threads: itemThreads, seed: options.seed,
                        registry: registry, outputDir: options.outputDir)
                    let rows = try E.rows(for: items[index], context: context, rng: &rng)
                    var table = CSVTable(header: header)
                    for row in rows {
                        table.append([.integer(index), .text(String(options.seed)), .text(multidraftVersion)] + row)
                    }
                    try parts.write(table, part: index)
                    return nil
                } catch {
                    return "item \(index): \(error)"
                }
            }
            if let failure = failures.compactMap({ $0 }).first {
                throw ExperimentError.itemFailed(experiment: E.name, detail: failure)
            }
            if shard.count > 1 { return } // the merge step assembles the table once every shard is done
        }
        var table = CSVTable(header: header)
        for index in items.indices {
            do { table.appendRaw(try parts.dataLines(index).map(String.init)) } catch {
                switch error {
                case .otherHeader(let path): throw ExperimentError.staleParts(experiment: E.name, path: path)
                default: throw ExperimentError.missingPart(experiment: E.name, item: index)
                }
            }
        }
        try table.write(to: options.outputDir + "/\(E.name).csv")
    }
}

public enum ExperimentError: Error, CustomStringConvertible {
    case itemFailed(experiment: String, detail: String)
    case missingPart(experiment: String, item: Int)
    case staleParts(experiment: String, path: String)

    public var description: String {
        switch self {
        case .itemFailed(let e, let d): return "experiment \(e) failed: \(d)"
        case .missingPart(let e, let i):
            return "experiment \(e): item \(i) has not been computed yet (run every shard before --merge)"
        case .staleParts(let e, let p):
            return "experiment \(e): part file \(p) has another header (delete the .parts folder)"
        }
    }
}
