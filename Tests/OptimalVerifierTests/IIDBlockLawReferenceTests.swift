import Foundation
import Testing
@testable import OptimalVerifier

/// The i.i.d. block law at many drafts against an independent quadrature of its integral.
@Suite struct IIDBlockLawReferenceTests {
    /// n q_x w_x ∫₀^∞ e^{−t w_x} (l + Σ_y q_y e^{−t w_y})^{n−1} dt by the plain trapezoid rule in log t at 40 points
    /// per decade on [10⁻¹⁶/w_max, 60/w_min] (the part below the first node taken as t_lo·Ψ(0)·h/(eʰ − 1): relative
    /// error ~10⁻³²), with direct exponentials: shares no code with the toolkit's quadrature.
    static func reference(q: [Double], w: [Double], later l: Double, drafts n: Int) -> [Double] {
        let wMax = w.max()!, wMin = w.min()!
        let tLo = 1e-16 / wMax, tHi = 60 / wMin, h = log(10.0) / 40
        let g = Int((log(tHi) - log(tLo)) / h) + 2
        var out = [Double](repeating: 0, count: q.count)
        for k in 0..<g {
            let t = tLo * exp(Double(k) * h)
            var phi = 0.0
            for (qy, wy) in zip(q, w) { phi += qy * exp(-t * wy) }
            let psi = pow(l + phi, Double(n - 1))
            var weight = h * t * psi * (k == g - 1 ? 0.5 : 1)
            if k == 0 { weight += tLo * h / expm1(h) * pow(l + q.reduce(0, +), Double(n - 1)) }
            for x in q.indices { out[x] += weight * exp(-t * w[x]) }
        }
        return q.indices.map { Double(n) * q[$0] * w[$0] * out[$0] }
    }

    /// Blocks of 40 and 400 tokens (weights over 6 decades), n = 8, 16, 32, with and without mass after the block:
    /// both quadrature routes equal the reference to 1e-13 relative.
    @Test func manyDraftsMatchAnIndependentQuadrature() {
        for (seed, m) in [(11, 40), (12, 400)] {
            for later in [0.0, 0.3] {
                let (q, w) = EnvironmentStepTests.block(m: m, mass: 1 - later, decades: 6, seed: UInt64(seed))
                for n in [8, 16, 32] {
                    let reference = Self.reference(q: q, w: w, later: later, drafts: n)
                    for route in [BlockLuceSelection.BlockLawRoute.quadratureDirect, .quadratureFast] {
                        let law = BlockLuceSelection.iidBlockLaw(
                            draftMasses: q, weights: w, later: later, drafts: n, route: route)
                        let error = EnvironmentStepTests.maxRelativeError(law, reference)
                        #expect(error < 1e-13, "m=\(m) l=\(later) n=\(n) \(route): relative error \(error)")
                    }
                }
            }
        }
    }
}
