import MultidraftNumerics
import Foundation
import Testing
@testable import Simulation

/// The regularised incomplete gamma function against closed forms and tabulated chi-square quantiles.
@Suite struct IncompleteGammaTests {
    @Test func closedForms() {
        for x in [0.01, 0.5, 1, 2.5, 7, 30, 200] {
            // Q(1, x) = e^{−x}; Q(1/2, x) = erfc(√x); Q(3, x) = e^{−x}(1 + x + x²/2).
            #expect(abs(IncompleteGamma.upperRegularized(1, x) - exp(-x)) <= 1e-13 * max(exp(-x), 1e-300) + 1e-300)
            #expect(abs(IncompleteGamma.upperRegularized(0.5, x) / erfc(x.squareRoot()) - 1) < 1e-12, "x=\(x)")
            let q3 = exp(-x) * (1 + x + x * x / 2)
            #expect(abs(IncompleteGamma.upperRegularized(3, x) / q3 - 1) < 1e-12, "x=\(x)")
            #expect(
                abs(IncompleteGamma.upperRegularized(2.5, x) + IncompleteGamma.lowerRegularized(2.5, x) - 1) < 1e-14)
        }
        #expect(IncompleteGamma.upperRegularized(4, 0) == 1)
    }

    /// Upper 5% and 0.1% points of chi-square tables.
    @Test func chiSquareQuantiles() {
        let table: [(Double, Int, Double)] = [
            (3.841458820694124, 1, 0.05), (5.991464547107979, 2, 0.05), (18.307038053275146, 10, 0.05),
            (10.827566170662733, 1, 0.001), (124.34211340400407, 100, 0.05), (149.44925277903873, 100, 0.001)
        ]
        for (t, dof, p) in table {
            #expect(
                abs(IncompleteGamma.chiSquareSurvival(t, degreesOfFreedom: dof) - p) < 1e-10 * max(1, p * 1e3),
                "dof=\(dof)")
        }
        // Large dof (a = 16 000): the survival at the mean is just below 1/2 (right skew); the Wilson–Hilferty
        // approximation 1 − Φ(√(2/(9k))) is accurate to O(1/k) there.
        let k = 32_000
        let atMean = IncompleteGamma.chiSquareSurvival(Double(k), degreesOfFreedom: k)
        let z = (2 / (9 * Double(k))).squareRoot()
        #expect(abs(atMean - 0.5 * erfc(z / 2.0.squareRoot())) < 1e-5, "\(atMean)")
    }

    /// Pooling: rare cells are merged; an impossible token rejects; a perfect fit gives p-value 1.
    @Test func chiSquareTest() {
        let perfect = ChiSquareTest(counts: [500, 300, 200], probabilities: [0.5, 0.3, 0.2])
        #expect(perfect.statistic == 0 && perfect.pValue == 1 && perfect.degreesOfFreedom == 2)
        let impossible = ChiSquareTest(counts: [10, 0, 1], probabilities: [0.5, 0.5, 0])
        #expect(impossible.pValue == 0)
        // Two rare cells (expected 1 each) are pooled into one cell of expected 2, which then joins the smallest cell.
        let pooled = ChiSquareTest(counts: [480, 500, 1, 1, 18], probabilities: [0.49, 0.49, 0.001, 0.001, 0.018])
        #expect(pooled.degreesOfFreedom == 2)
        let off = ChiSquareTest(counts: [600, 400], probabilities: [0.5, 0.5])
        #expect(off.pValue < 1e-9)
    }
}
