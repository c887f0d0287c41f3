import Multidraft
import Testing
@testable import ExperimentSupport

/// <doc:Theory#Test-vectors>: the three-token sweeps (K = 2 identical drafts), both readings and panels,
/// at all 13 tabulated points; values printed to 12 decimals, so the tolerance is 1e-9 (brief) — the table's own
/// rounding is 5e-13.
@Suite struct SweepTests {
    /// (reading, panel, x, optimal, K-SEQ, RRS-W, single), transcribed from test-vectors.md §5.
    static let tabulated: [(Int, String, Double, Double, Double, Double, Double)] = [
        (2, "left", 0.0, 0.666666666667, 0.666666666667, 0.666666666667, 0.666666666667),
        (2, "left", 0.055555555556, 0.774691358025, 0.75, 0.737654320988, 0.722222222222),
        (2, "left", 0.111111111111, 0.876543209877, 0.824345702132, 0.802469135802, 0.777777777778),
        (2, "left", 0.166666666667, 0.972222222222, 0.888888888889, 0.861111111111, 0.833333333333),
        (2, "left", 0.222222222222, 1.0, 0.942278460745, 0.913580246914, 0.888888888889),
        (2, "left", 0.277777777778, 1.0, 0.981858470693, 0.95987654321, 0.944444444444),
        (2, "left", 0.333333333333, 1.0, 1.0, 1.0, 1.0),
        (2, "left", 0.388888888889, 1.0, 0.981858470693, 0.95987654321, 0.944444444444),
        (2, "left", 0.444444444444, 1.0, 0.942278460745, 0.913580246914, 0.888888888889),
        (2, "left", 0.5, 0.972222222222, 0.888888888889, 0.861111111111, 0.833333333333),
        (2, "left", 0.555555555556, 0.876543209877, 0.824345702132, 0.802469135802, 0.777777777778),
        (2, "left", 0.611111111111, 0.774691358025, 0.75, 0.737654320988, 0.722222222222),
        (2, "left", 0.666666666667, 0.666666666667, 0.666666666667, 0.666666666667, 0.666666666667),
        (2, "right", 0.0, 0.638888888889, 0.604777829796, 0.583333333333, 0.5),
        (2, "right", 0.069444444444, 0.749807098765, 0.698986163124, 0.671103395062, 0.569444444444),
        (2, "right", 0.138888888889, 0.851080246914, 0.7816640873, 0.749228395062, 0.638888888889),
        (2, "right", 0.208333333333, 0.942708333333, 0.852402438552, 0.817708333333, 0.708333333333),
        (2, "right", 0.277777777778, 0.972222222222, 0.888888888889, 0.87037037037, 0.777777777778),
        (2, "right", 0.347222222222, 0.972222222222, 0.888888888889, 0.861111111111, 0.833333333333),
        (2, "right", 0.416666666667, 0.972222222222, 0.888888888889, 0.861111111111, 0.833333333333),
        (2, "right", 0.486111111111, 0.972222222222, 0.888888888889, 0.861111111111, 0.833333333333),
        (2, "right", 0.555555555556, 0.972222222222, 0.888888888889, 0.87037037037, 0.777777777778),
        (2, "right", 0.625, 0.942708333333, 0.852402438552, 0.817708333333, 0.708333333333),
        (2, "right", 0.694444444444, 0.851080246914, 0.7816640873, 0.749228395062, 0.638888888889),
        (2, "right", 0.763888888889, 0.749807098765, 0.698986163124, 0.671103395062, 0.569444444444),
        (2, "right", 0.833333333333, 0.638888888889, 0.604777829796, 0.583333333333, 0.5),
        (1, "left", 0.0, 0.888888888889, 0.811419515304, 0.777777777778, 0.666666666667),
        (1, "left", 0.055555555556, 0.944444444444, 0.850923599464, 0.814814814815, 0.722222222222),
        (1, "left", 0.111111111111, 1.0, 0.888888888889, 0.851851851852, 0.777777777778),
        (1, "left", 0.166666666667, 1.0, 0.924763961726, 0.888888888889, 0.833333333333),
        (1, "left", 0.222222222222, 1.0, 0.957559332083, 0.925925925926, 0.888888888889),
        (1, "left", 0.277777777778, 1.0, 0.985113933754, 0.962962962963, 0.944444444444),
        (1, "left", 0.333333333333, 1.0, 1.0, 1.0, 1.0),
        (1, "left", 0.388888888889, 1.0, 0.985113933754, 0.962962962963, 0.944444444444),
        (1, "left", 0.444444444444, 1.0, 0.957559332083, 0.925925925926, 0.888888888889),
        (1, "left", 0.5, 1.0, 0.924763961726, 0.888888888889, 0.833333333333),
        (1, "left", 0.555555555556, 1.0, 0.888888888889, 0.851851851852, 0.777777777778),
        (1, "left", 0.611111111111, 0.944444444444, 0.850923599464, 0.814814814815, 0.722222222222),
        (1, "left", 0.666666666667, 0.888888888889, 0.811419515304, 0.777777777778, 0.666666666667),
        (1, "right", 0.0, 0.722222222222, 0.686605496863, 0.666666666667, 0.5),
        (1, "right", 0.069444444444, 0.791666666667, 0.739556622351, 0.712962962963, 0.569444444444),
        (1, "right", 0.138888888889, 0.861111111111, 0.791203188154, 0.759259259259, 0.638888888889),
        (1, "right", 0.208333333333, 0.930555555556, 0.841175832865, 0.805555555556, 0.708333333333),
        (1, "right", 0.277777777778, 1.0, 0.888888888889, 0.851851851852, 0.777777777778),
        (1, "right", 0.347222222222, 1.0, 0.9333060976, 0.902777777778, 0.833333333333),
        (1, "right", 0.416666666667, 1.0, 0.962475295574, 0.944444444444, 0.833333333333),
        (1, "right", 0.486111111111, 1.0, 0.9333060976, 0.902777777778, 0.833333333333),
        (1, "right", 0.555555555556, 1.0, 0.888888888889, 0.851851851852, 0.777777777778),
        (1, "right", 0.625, 0.930555555556, 0.841175832865, 0.805555555556, 0.708333333333),
        (1, "right", 0.694444444444, 0.861111111111, 0.791203188154, 0.759259259259, 0.638888888889),
        (1, "right", 0.763888888889, 0.791666666667, 0.739556622351, 0.712962962963, 0.569444444444),
        (1, "right", 0.833333333333, 0.722222222222, 0.686605496863, 0.666666666667, 0.5)
    ]

    static func points() throws -> [ImportanceSweepExperiment.Point] {
        try ImportanceSweepExperiment.items(scale: .tiny).map(ImportanceSweepExperiment.point)
    }

    @Test func sweepsReproduceTheTables() throws {
        let points = try Self.points()
        #expect(points.count == Self.tabulated.count)
        for row in Self.tabulated {
            let matches = points.filter {
                $0.item.reading == row.0 && $0.item.panel == row.1 && abs($0.item.x - row.2) < 1e-11
            }
            #expect(matches.count == 1, "no unique point for \(row)")
            guard let point = matches.first else { continue }
            let label = "reading \(row.0) \(row.1) x=\(row.2)"
            #expect(abs(point.optimal - row.3) < 1e-9, "\(label) optimal \(point.optimal)")
            #expect(abs(point.optimalClosedForm - row.3) < 1e-9, "\(label) closed form \(point.optimalClosedForm)")
            #expect(abs(point.importanceLP - row.3) < 1e-9, "\(label) weight LP \(point.importanceLP)")
            #expect(abs(point.kSequential - row.4) < 1e-9, "\(label) K-SEQ \(point.kSequential)")
            #expect(abs(point.recursiveRejection - row.5) < 1e-9, "\(label) RRS \(point.recursiveRejection)")
            #expect(abs(point.single - row.6) < 1e-9, "\(label) single \(point.single)")
        }
    }

    /// One item per point, the same 52 at every scale, six rows each; the optimum is never below any verifier.
    @Test func sweepTableShape() throws {
        for scale in ExperimentScale.allCases { #expect(ImportanceSweepExperiment.items(scale: scale).count == 52) }
        let context = ExperimentContext(index: 0, scale: .tiny, threads: 1, seed: 1)
        var rng = Xoshiro256(seed: 1)
        let rows = try ImportanceSweepExperiment.rows(
            for: ImportanceSweepExperiment.items(scale: .tiny)[3], context: context, rng: &rng)
        #expect(rows.count == 6 && rows.allSatisfy { $0.count == ImportanceSweepExperiment.header.count })
        for point in try Self.points() {
            for value in [point.importanceLP, point.kSequential, point.recursiveRejection, point.single] {
                #expect(value <= point.optimal + 1e-9)
            }
        }
    }
}

/// The synthetic-distribution table on a small vocabulary: shape, and the proven orderings per instance.
@Suite struct ImportanceTableTests {
    @Test func smallTableHoldsTheProvenOrderings() throws {
        let all = ImportanceTableExperiment.items(scale: .tiny)
        let items = all.filter { $0.position == nil }
        // 2 temperatures × 1 instance at V = 12, truncations s = 5 and 12; plus the real pair at one position.
        #expect(items.count == 2 && items.allSatisfy { $0.vocab == 12 && $0.truncations == [5, 12] })
        let real = all.filter { $0.position != nil }
        #expect(real.count == 1 && real[0].vocab == 49_152 && real[0].truncations == [5])
        for item in real {
            // Per K: optimal, the s = 5 lower bound, kseq, rrs, single (no exact membership at this V).
            let results = try ImportanceTableExperiment.results(for: item, seed: 7)
            #expect(results.count == 3 * 5)
            for k in [2, 4, 8] {
                let values = Dictionary(
                    uniqueKeysWithValues: results.filter { $0.drafts == k }.map { ($0.method, $0.alpha) })
                for (method, alpha) in values where method != "optimal" {
                    #expect(alpha <= values["optimal"]! + 1e-9, "real K=\(k) \(method) \(alpha) above optimal")
                }
                #expect(values["rrs"]! >= values["single"]! - 1e-12)
            }
        }
        for item in items {
            let results = try ImportanceTableExperiment.results(for: item, seed: 7)
            // Per K: optimal, 2 lower bounds, kseq, rrs, single, and 2 exact rows at K = 2.
            #expect(results.count == 3 * 6 + 2)
            for k in [2, 4, 8] {
                var values: [String: Double] = [:]
                for r in results where r.drafts == k {
                    values[r.method + (r.truncate.map { "@\($0)" } ?? "")] = r.alpha
                }
                let key = "temperature \(item.temperatureIndex) K=\(k)"
                let optimal = values["optimal"]!
                for (method, alpha) in values where method != "optimal" {
                    #expect(alpha <= optimal + 1e-9, "\(key) \(method) \(alpha) above optimal \(optimal)")
                    #expect(alpha >= 0)
                }
                #expect(
                    abs(values["importance_lower_bound@12"]! - optimal) < 1e-9 || k != 2,
                    "\(key): the K = 2 full LP must reach the optimum")
                #expect(values["rrs"]! >= values["single"]! - 1e-12)
                if let exact = values["importance_exact@5"] {
                    #expect(exact >= values["importance_lower_bound@5"]! - 1e-12)
                }
            }
        }
    }
}
