import MultidraftSupport
import Foundation

/// The one sharded, resumable run engine of the toolkit (`batch` and the experiment runner): a run is `count`
/// numbered parts, each a CSV file with the run's header written atomically when finished, in one folder.
///
/// ```
/// FOLDER/run.txt        the options that decide the rows (a fingerprint), when the run records one
/// FOLDER/<part file>    part i's rows under the run's header, i = 0 … count − 1
/// ```
///
/// - compute: a shard `i/N` owns the parts ≡ i (mod N) (``Shard``); parts already on disk are kept, so an interrupted
///   run resumes where it stopped, and shards can run anywhere (the folder is the only shared state);
/// - merge: every part present, each with the run's header, read in part order.
///
/// Callers decide what a part holds and how failures are worded (``Failure`` carries the facts).
package struct PartFiles: Sendable {
    package let folder: String
    package let header: [String]
    package let count: Int
    private let fileName: @Sendable (Int) -> String

    /// - Parameter fileName: the file name of part i inside `folder` (for example `item-000012.csv`).
    package init(folder: String, header: [String], count: Int, fileName: @escaping @Sendable (Int) -> String) {
        (self.folder, self.header, self.count, self.fileName) = (folder, header, count, fileName)
    }

    /// What can go wrong, with the facts a caller needs for its message.
    package enum Failure: Error, Equatable {
        /// The folder holds parts of a run with another fingerprint (the one recorded is given).
        case otherRun(recorded: String)
        /// The folder could not be created.
        case cannotCreate(detail: String)
        /// Merging needs every part; these are missing (at least one).
        case missing([Int])
        /// A part file does not start with the run's header (stale parts of another version or experiment).
        case otherHeader(path: String)
        /// A part file cannot be read.
        case unreadable(path: String)
    }

    package func path(_ part: Int) -> String { folder + "/" + fileName(part) }
    package func isComputed(_ part: Int) -> Bool { FileManager.default.fileExists(atPath: path(part)) }
    var stampPath: String { folder + "/run.txt" }
    /// Whether the folder exists with a recorded fingerprint (a run was started here).
    package var isStarted: Bool { FileManager.default.fileExists(atPath: stampPath) }

    /// The parts of `shard` not yet on disk, in order.
    package func todo(shard: Shard) -> [Int] {
        (0..<count).filter { shard.contains($0) && !isComputed($0) }
    }

    /// Creates the folder; with a `fingerprint`, records it in a new folder or checks it against the recorded one.
    package func prepare(fingerprint: String?) throws(Failure) {
        if let fingerprint, isStarted {
            let previous = (try? String(contentsOfFile: stampPath, encoding: .utf8)) ?? ""
            guard previous == fingerprint + "\n" else {
                throw .otherRun(recorded: previous.trimmingCharacters(in: .newlines))
            }
            return
        }
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw .cannotCreate(detail: error.localizedDescription)
        }
        if let fingerprint {
            do { try SafeOutputFile.write(fingerprint + "\n", to: stampPath) } catch {
                throw .cannotCreate(detail: "\(error)")
            }
        }
    }

    /// Writes part `part` atomically; `table` must have the run's header.
    package func write(_ table: CSVTable, part: Int) throws {
        precondition(table.header == header, "a part is written under the run's header")
        try table.write(to: path(part))
    }

    /// Throws ``Failure/missing(_:)`` unless every part is on disk.
    package func requireComplete() throws(Failure) {
        let missing = (0..<count).filter { !isComputed($0) }
        if !missing.isEmpty { throw .missing(missing) }
    }

    /// The data lines of part `part`, its header checked.
    package func dataLines(_ part: Int) throws(Failure) -> [Substring] {
        guard let text = try? String(contentsOfFile: path(part), encoding: .utf8) else {
            throw isComputed(part) ? .unreadable(path: path(part)) : .missing([part])
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first.map(String.init) == header.joined(separator: ",") else {
            throw .otherHeader(path: path(part))
        }
        lines.removeFirst()
        return lines
    }

    /// Removes the folder (after a merge).
    package func remove() { try? FileManager.default.removeItem(atPath: folder) }
}
