import MultidraftSupport
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Output files written safely, alone or several together:
///
/// - a symbolic link is written through: the link stays, its (final) target is replaced atomically by a temporary
///   file in the target's own folder and `rename(2)`;
/// - an existing regular file keeps its permission bits (and its owner where allowed);
/// - a FIFO or a character device (`/dev/null`, `/dev/stdout`) is written directly, never replaced; a FIFO with no
///   reader is refused instead of waiting; a directory, a socket or a block device is refused;
/// - two outputs that are the same file are refused before anything is written;
/// - when any output cannot be prepared, nothing is written (every temporary file is removed).
package enum SafeOutputFile {
    /// Writes every `(path, text)` pair, or none of them when one cannot be prepared.
    package static func write(_ files: [(path: String, text: String)]) throws {
        try write(streaming: files.map { file in (file.path, { sink in try sink(file.text) }) })
    }

    /// A file's content produced in pieces: the producer calls `sink` with each piece in order.
    package typealias Producer = (_ sink: (String) throws -> Void) throws -> Void

    /// Like ``write(_:)-(([(path:String,text:String)]))``, with each file's content streamed by a producer, so a large
    /// output (e.g. `batch`'s per-position table) never sits in memory whole. Same guarantees: every file is written
    /// in full or not at all.
    package static func write(streaming files: [(path: String, content: Producer)]) throws {
        var targets: [Target] = []
        for file in files {
            let target = try resolve(file.path)
            if let earlier = targets.first(where: { $0.sameFile(as: target) }) {
                throw OutputError.sameFile(earlier.requested, file.path)
            }
            targets.append(target)
        }
        var temporaries: [(temporary: String, destination: String)] = []
        func cleanUp() { for t in temporaries { unlink(t.temporary) } }
        do {
            for (target, file) in zip(targets, files) where !target.isSpecial {
                temporaries.append((try writeTemporary(file.content, beside: target), target.destination))
            }
            for (target, file) in zip(targets, files) where target.isSpecial {
                try writeDirectly(file.content, to: target)
            }
        } catch {
            cleanUp()
            throw error
        }
        for (k, t) in temporaries.enumerated() where rename(t.temporary, t.destination) != 0 {
            for rest in temporaries[k...] { unlink(rest.temporary) }
            throw OutputError.cannotWrite(t.destination)
        }
    }

    /// Writes one file (see ``write(_:)``).
    package static func write(_ text: String, to path: String) throws {
        try write([(path, text)])
    }

    struct Target {
        let requested: String
        /// The path written: the requested path with every symbolic link followed.
        let destination: String
        /// The existing node, if any.
        let status: stat?

        var isSpecial: Bool {
            guard let status else { return false }
            return status.st_mode & S_IFMT != S_IFREG
        }

        func sameFile(as other: Target) -> Bool {
            if let a = status, let b = other.status { return a.st_dev == b.st_dev && a.st_ino == b.st_ino }
            return destination == other.destination
        }
    }

    /// Follows symbolic links (at most 40) and checks the node found.
    static func resolve(_ path: String) throws -> Target {
        guard !path.isEmpty else { throw OutputError.cannotWrite(path) }
        guard !path.utf8.contains(0) else { throw OutputError.invalidPath }
        var current = URL(fileURLWithPath: path).standardizedFileURL.path
        for _ in 0..<40 {
            var info = stat()
            if lstat(current, &info) != 0 {
                guard errno == ENOENT else { throw OutputError.cannotWrite(path) }
                let folder = (current as NSString).deletingLastPathComponent
                var folderInfo = stat()
                guard stat(folder.isEmpty ? "." : folder, &folderInfo) == 0, folderInfo.st_mode & S_IFMT == S_IFDIR
                else {
                    throw OutputError.missingFolder(folder)
                }
                return Target(requested: path, destination: current, status: nil)
            }
            switch info.st_mode & S_IFMT {
            case S_IFLNK:
                guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else {
                    throw OutputError.cannotWrite(path)
                }
                let base = URL(fileURLWithPath: (current as NSString).deletingLastPathComponent, isDirectory: true)
                current = URL(fileURLWithPath: link, relativeTo: base).standardizedFileURL.path
            case S_IFREG, S_IFIFO, S_IFCHR:
                return Target(requested: path, destination: current, status: info)
            case S_IFDIR:
                throw OutputError.notAFile(path, kind: "a directory")
            default:
                throw OutputError.notAFile(path, kind: "neither a regular file, a FIFO nor a character device")
            }
        }
        throw OutputError.notAFile(path, kind: "a loop of symbolic links")
    }

    /// Writes `text` to a new temporary file beside the destination, with the existing file's mode.
    static func writeTemporary(_ content: Producer, beside target: Target) throws -> String {
        let url = URL(fileURLWithPath: target.destination)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw OutputError.cannotWrite(target.requested) }
        defer { close(fd) }
        do {
            if let status = target.status {
                _ = fchown(fd, status.st_uid, status.st_gid) // allowed for root or an unchanged owner only
                guard fchmod(fd, status.st_mode & 0o7777) == 0 else { throw OutputError.cannotWrite(target.requested) }
            }
            try content { try writeAll($0, to: fd, path: target.requested) }
        } catch {
            unlink(temporary)
            throw error
        }
        return temporary
    }

    /// Writes into an existing FIFO or character device without replacing it.
    static func writeDirectly(_ content: Producer, to target: Target) throws {
        let fd = open(target.destination, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENXIO { throw OutputError.notAFile(target.requested, kind: "a FIFO with no reader") }
            throw OutputError.cannotWrite(target.requested)
        }
        defer { close(fd) }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        try content { try writeAll($0, to: fd, path: target.requested) }
    }

    static func writeAll(_ text: String, to fd: Int32, path: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { posixWrite(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw OutputError.cannotWrite(path)
            }
            offset += written
        }
    }
}

/// `write(2)` (the name `write` is taken by ``SafeOutputFile/write(_:)`` inside the enum).
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
