import Foundation
import Testing
@testable import Distributions
import MultidraftSupport

@Suite struct LoadingTests {
    let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("multidraft-loading-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    func write(_ name: String, _ data: Data) -> String {
        let path = folder.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: data)
        return path
    }

    @Test func inlineCommaList() throws {
        #expect(try Distribution.readVector("0.5,0.3,0.2") == [0.5, 0.3, 0.2])
        #expect(throws: DistributionError.self) { try Distribution.readVector("0.5,abc") }
        #expect(throws: DistributionError.self) { try Distribution.readVector("") }
    }

    @Test func textAndCSVFiles() throws {
        let txt = write("p.txt", Data("# a comment\n0.5\n0.25 0.25\n".utf8))
        #expect(try Distribution.readVector("@" + txt) == [0.5, 0.25, 0.25])
        let csv = write("p.csv", Data("probability\n0.1\n0.9\n".utf8))
        #expect(try Distribution.readVector("@" + csv) == [0.1, 0.9])
        let bad = write("bad.csv", Data("0.1\nx\n".utf8))
        #expect {
            try Distribution.readVector("@" + bad)
        } throws: { ($0 as? DistributionError)?.description.contains("line 2") ?? false }
        let twoColumns = write("two.csv", Data("a,b\n1,2\n".utf8))
        #expect(throws: DistributionError.self) { try Distribution.readVector("@" + twoColumns) }
        #expect(throws: DistributionError.fileNotFound(folder.path + "/none.txt")) {
            try Distribution.readVector("@" + folder.path + "/none.txt")
        }
    }

    @Test func npyFloat64RoundTrip() throws {
        var rng = Xoshiro256(seed: 1)
        let values = Distribution.dirichlet(1000, using: &rng).probabilities
        let path = write("p.npy", Distribution.npyData(values))
        #expect(try Distribution.readVector("@" + path) == values)
    }

    /// Hand-built headers: float32 little-endian (version 1) and float64 big-endian (version 2).
    @Test func npyFloat32AndBigEndian() throws {
        func npy(major: UInt8, descr: String, payload: [UInt8], count: Int) -> Data {
            var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(count),), }"
            let prefix = major == 1 ? 10 : 12
            header += String(repeating: " ", count: (64 - (prefix + header.utf8.count + 1) % 64) % 64) + "\n"
            var data = Data([0x93] + Array("NUMPY".utf8) + [major, 0])
            let n = header.utf8.count
            data.append(
                contentsOf: major == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0])
            data.append(contentsOf: Array(header.utf8))
            data.append(contentsOf: payload)
            return data
        }
        var f32: [UInt8] = []
        for x in [Float(0.25), Float(0.75)] { withUnsafeBytes(of: x.bitPattern.littleEndian) { f32 += $0 } }
        let p32 = write("f4.npy", npy(major: 1, descr: "<f4", payload: f32, count: 2))
        #expect(try Distribution.readVector("@" + p32) == [0.25, 0.75])
        var f64: [UInt8] = []
        for x in [0.125, 0.875] { withUnsafeBytes(of: x.bitPattern.bigEndian) { f64 += $0 } }
        let p64 = write("be.npy", npy(major: 2, descr: ">f8", payload: f64, count: 2))
        #expect(try Distribution.readVector("@" + p64) == [0.125, 0.875])
        let ints = write("i8.npy", npy(major: 1, descr: "<i8", payload: [UInt8](repeating: 0, count: 16), count: 2))
        #expect(throws: DistributionError.self) { try Distribution.readVector("@" + ints) }
        let truncated = write("short.npy", npy(major: 1, descr: "<f8", payload: [0, 0, 0], count: 2))
        #expect(throws: DistributionError.self) { try Distribution.readVector("@" + truncated) }
        let garbage = write("garbage.npy", Data("not numpy".utf8))
        #expect(throws: DistributionError.self) { try Distribution.readVector("@" + garbage) }
    }

    @Test func largeNpyLoadsQuickly() throws {
        let values = [Double](repeating: 1.0 / 262_144, count: 262_144)
        let path = write("big.npy", Distribution.npyData(values))
        let p = try Distribution(try Distribution.readVector("@" + path))
        #expect(p.vocabularySize == 262_144)
    }
}
