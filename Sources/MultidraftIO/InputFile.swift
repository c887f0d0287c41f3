import MultidraftSupport
import Foundation

/// Input files read with bounds: at most ``maxBytes`` bytes (a device such as `/dev/zero` or a huge file is refused
/// instead of filling memory), and text files must not hold a NUL byte (`0.2\0garbage` is refused rather than read
/// as 0.2).
public enum InputFile {
    /// Largest input file read (512 MiB).
    public static let maxBytes = 512 << 20

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notFound(String)
        case unreadable(String)
        case tooLarge(String, limit: Int)
        case containsNUL(String)
        case notUTF8(String)

        public var description: String {
            switch self {
            case .notFound(let path): return "file not found: '\(path)'"
            case .unreadable(let path): return "cannot read '\(path)'"
            case .tooLarge(let path, let limit):
                return "'\(path)' is larger than \(limit >> 20) MiB; input files are limited to that size"
            case .containsNUL(let path): return "'\(path)' contains a NUL byte: it is not a text file"
            case .notUTF8(let path): return "'\(path)' is not UTF-8 text"
            }
        }
    }

    /// The file's bytes, at most `limit` of them (FIFOs and devices are read up to the limit, never replaced).
    public static func data(_ path: String, limit: Int = InputFile.maxBytes) throws -> Data {
        guard !path.utf8.contains(0) else { throw Failure.notFound(path) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Failure.notFound(path)
        }
        guard !isDirectory.boolValue else { throw Failure.unreadable(path) }
        // Opened without blocking, so that a FIFO with no writer does not hang the open; blocking is restored for
        // the reads (a FIFO without a writer then reads as empty, one with a writer is read to its end).
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw Failure.unreadable(path) }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var data = Data()
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: 1 << 20) } catch { throw Failure.unreadable(path) }
            guard let chunk, !chunk.isEmpty else { break }
            data.append(chunk)
            if data.count > limit { throw Failure.tooLarge(path, limit: limit) }
        }
        return data
    }

    /// The file as UTF-8 text without NUL bytes.
    public static func text(_ path: String, limit: Int = InputFile.maxBytes) throws -> String {
        let bytes = try data(path, limit: limit)
        guard !bytes.contains(0) else { throw Failure.containsNUL(path) }
        guard let text = String(data: bytes, encoding: .utf8) else { throw Failure.notUTF8(path) }
        return text
    }
}
