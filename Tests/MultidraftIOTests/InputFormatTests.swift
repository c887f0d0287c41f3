import Foundation
import Testing
import MultidraftSupport
import Distributions
@testable import MultidraftIO

/// The one `.npy` reader/writer, the one numeric-text parser and the one part-file engine of the toolkit.
@Suite struct NPYFileTests {
    func header(_ data: Data, dimensions: ClosedRange<Int> = 1...2) throws(NPYFile.FormatError) -> NPYFile.Header {
        try NPYFile.header(size: data.count, dimensions: dimensions) { range in
            data.subdata(in: min(range.lowerBound, data.count)..<min(range.upperBound, data.count))
        }
    }

    /// A hand-made file: version `major`, dict text `dict`, then `payload` (header padded to 64 bytes).
    func file(major: UInt8, dict: String, payload: Data) -> Data {
        let lengthBytes = major == 1 ? 2 : 4
        var text = dict
        text += String(repeating: " ", count: (64 - (8 + lengthBytes + text.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [major, 0])
        let n = text.utf8.count
        for k in 0..<lengthBytes { data.append(UInt8((n >> (8 * k)) & 0xFF)) }
        data.append(contentsOf: Array(text.utf8))
        data.append(payload)
        return data
    }

    /// Every type, 1-D and 2-D: the writer's file reads back exactly (float16/float32 after their rounding), the
    /// data starts at a multiple of 64 bytes.
    @Test func roundTripEveryType() throws {
        let values: [Double] = [0.5, -2, 3, 1e-3, 7, 0.25]
        for type in ElementType.allCases where type != .bfloat16 {
            for shape in [[6], [2, 3], [3, 2]] {
                let data = NPYFile.data(values, shape: shape, as: type)
                let h = try header(data)
                #expect(h.elementType == type && h.shape == shape && !h.bigEndian && h.dataOffset % 64 == 0)
                let back = NPYFile.values(data, header: h)
                let expected = values.map { v -> Double in
                    switch type {
                    case .float16: return Double(Float(Float16(Float(v))))
                    case .float32: return Double(Float(v))
                    case .int32, .int64: return v.rounded(.towardZero)
                    default: return v
                    }
                }
                #expect(back == expected, "\(type) \(shape)")
            }
        }
    }

    /// Big-endian data, version-2 and version-3 headers, 1-D Fortran order (the order cannot matter).
    @Test func otherVersionsAndByteOrders() throws {
        var payload = Data()
        for v in [1.5, -0.25] { withUnsafeBytes(of: v.bitPattern.bigEndian) { payload.append(contentsOf: $0) } }
        for major: UInt8 in [1, 2, 3] {
            let data = file(
                major: major, dict: "{'descr': '>f8', 'fortran_order': True, 'shape': (2,), }", payload: payload)
            let h = try header(data)
            #expect(h.bigEndian && h.shape == [2] && NPYFile.values(data, header: h) == [1.5, -0.25], "v\(major)")
        }
    }

    @Test func malformedFilesAreRefusedWithTheirReason() {
        let good = NPYFile.data([1, 2, 3, 4], shape: [2, 2], as: .float64)
        var magic = good; magic[1] = 0x41
        var version = good; version[6] = 9
        let cases: [(Data, String, ClosedRange<Int>)] = [
            (magic, "bad magic", 1...2),
            (version, "unsupported .npy format version 9", 1...2),
            (good.prefix(30), "truncated header", 1...2),
            (good.dropLast(8), "truncated or header lies", 1...2),
            (good, "array must be 1-D, shape is (2, 2)", 1...1),
            (NPYFile.data([1, 2, 3, 4], shape: [4], as: .float64), "array must be 2-D", 2...2),
            (
                file(
                    major: 1, dict: "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }",
                    payload: Data(count: 16)),
                "dtype '<c16' is not float16/32/64 or int32/64", 1...2
            ),
            (
                file(
                    major: 1, dict: "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }",
                    payload: Data(count: 32)),
                "Fortran-order", 1...2
            ),
            (
                file(major: 1, dict: "{'descr': '<f8', 'fortran_order': False, }", payload: Data(count: 8)),
                "header has no 'shape'", 1...2
            ),
            (
                file(major: 1, dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", payload: Data()),
                "array must be 1-D or 2-D", 1...2
            )
        ]
        for (data, fragment, dims) in cases {
            do {
                _ = try header(data, dimensions: dims)
                Issue.record("accepted: \(fragment)")
            } catch {
                #expect(error.description.contains(fragment), "\(error.description) lacks \(fragment)")
            }
        }
    }
}

/// The bulk decoder of rows read in place equals the element-by-element one, bit for bit, for every stored type and
/// both byte orders (binary16 through its table: every one of the 65,536 bit patterns, NaNs by bit pattern class).
@Test func bulkDecodingEqualsElementByElement() {
    var rng = Xoshiro256(seed: 12)
    for type in ElementType.allCases {
        let values: [Double] = (0..<257).map { i in
            type.isFloat
                ? (rng.nextUniform() - 0.3) * pow(10, Double(i % 9) - 4) : Double(Int(rng.next() % 100_000) - 50_000)
        }
        let little = type.littleEndianBytes(values)
        var big = Data()
        for i in 0..<values.count {
            big.append(contentsOf: little[(i * type.width)..<((i + 1) * type.width)].reversed())
        }
        for (data, bigEndian) in [(little, false), (big, true)] {
            data.withUnsafeBytes { raw in
                var bulk: [Double] = [-1]
                type.loadAll(raw.baseAddress! + type.width, count: values.count - 1, bigEndian: bigEndian, into: &bulk)
                let one = (1..<values.count).map {
                    type.load(raw.baseAddress!, at: $0 * type.width, bigEndian: bigEndian)
                }
                #expect(bulk.map(\.bitPattern) == one.map(\.bitPattern), "\(type) bigEndian \(bigEndian)")
            }
        }
    }
    let all = (0...0xFFFF).map { UInt16($0) }
    let table = ElementType.halfTable
    #expect(
        all.allSatisfy { h in
            let (a, b) = (table[Int(h)], ElementType.halfToDouble(h))
            return a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
        })
}

@Suite struct NumericTextTests {
    @Test func separatorsCommentsBlankLinesAndHeader() throws {
        let text = "name\n\n0.5, 0.25 ; 0.125\t# comment\r\n# only a comment\n1e-3 0x1p-2\n"
        let (header, rows) = try NumericText.rows(text, allowHeader: true)
        #expect(header == ["name"])
        #expect(rows.map(\.line) == [3, 5])
        #expect(rows[0].values == [0.5, 0.25, 0.125] && rows[1].values == [1e-3, 0.25])
        #expect(rows[1].fields == ["1e-3", "0x1p-2"])
    }

    @Test func aHeaderIsOnlyTheFirstLineAndOnlyWhenAllowed() {
        #expect(throws: NumericText.NotANumber(line: 1, field: "name")) {
            try NumericText.rows("name\n1\n", allowHeader: false)
        }
        #expect(throws: NumericText.NotANumber(line: 3, field: "x")) {
            try NumericText.rows("a\n1\nx\n", allowHeader: true)
        }
        #expect(throws: NumericText.NotANumber(line: 2, field: "1.5.2")) {
            try NumericText.rows("1\n2, 1.5.2\n", allowHeader: true)
        }
    }

    @Test func emptyTextHasNoRows() throws {
        let (header, rows) = try NumericText.rows("\n# nothing\n  \n", allowHeader: true)
        #expect(header == nil && rows.isEmpty)
    }
}

@Suite struct PartFilesTests {
    func folder() -> String {
        let dir = NSTemporaryDirectory() + "multidraft-parts-\(UUID().uuidString)"
        return dir
    }

    @Test func shardsResumeAndMergeInOrder() throws {
        let dir = folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let parts = PartFiles(folder: dir, header: ["i", "x"], count: 5) { "part-\($0).csv" }
        try parts.prepare(fingerprint: "--a 1")
        #expect(parts.todo(shard: Shard("1/2")!) == [1, 3])
        for i in [1, 3] {
            var table = CSVTable(header: ["i", "x"])
            table.append([.integer(i), .real(Double(i) / 2)])
            try parts.write(table, part: i)
        }
        #expect(parts.todo(shard: Shard("1/2")!) == [])
        #expect(parts.todo(shard: .whole) == [0, 2, 4])
        #expect(throws: PartFiles.Failure.missing([0, 2, 4])) { try parts.requireComplete() }
        #expect(throws: PartFiles.Failure.missing([0])) { try parts.dataLines(0) }
        #expect(try parts.dataLines(3) == ["3,1.5"])
        // Same options: accepted; other options: refused with the recorded ones.
        try parts.prepare(fingerprint: "--a 1")
        #expect(throws: PartFiles.Failure.otherRun(recorded: "--a 1")) { try parts.prepare(fingerprint: "--a 2") }
        // A part written under another header is stale.
        try "j,y\n1,2\n".write(toFile: parts.path(0), atomically: true, encoding: .utf8)
        #expect(throws: PartFiles.Failure.otherHeader(path: parts.path(0))) { try parts.dataLines(0) }
        parts.remove()
        #expect(!FileManager.default.fileExists(atPath: dir))
    }
}

@Suite struct CSVTableTests {
    @Test func rendersTidyRows() {
        var t = CSVTable(header: ["name", "n", "x", "missing"])
        t.append([.text("a,b"), .integer(3), .real(0.1), .empty])
        t.append([.text("say \"hi\""), 4, .real(.nan), .real(.infinity)])
        #expect(t.text == "name,n,x,missing\n\"a,b\",3,0.1,\n\"say \"\"hi\"\"\",4,nan,inf\n")
        #expect(t.rowCount == 2)
    }

    @Test func writesAtomically() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "multidraft-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var t = CSVTable(header: ["x"])
        t.append([1.5])
        try t.write(to: folder.appendingPathComponent("t.csv").path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["t.csv"])
        #expect(try String(contentsOf: folder.appendingPathComponent("t.csv"), encoding: .utf8) == "x\n1.5\n")
        #expect(throws: OutputError.missingFolder(folder.path + "/nope")) {
            try t.write(to: folder.path + "/nope/t.csv")
        }
    }
}
