import Distributions
import MultidraftSupport

/// One test instance of the conformance check: a target p, the draft distribution(s), the number of drafts and the
/// law. Its ``description`` is Swift source that rebuilds it exactly (shortest round-trip decimals), so a failure can
/// be reproduced with ``makeTarget()`` and ``makeLaw()``.
public struct ConformanceInstance: Sendable, Hashable, CustomStringConvertible {
    /// What makes the instance hard; the generator cycles through every shape.
    public enum Shape: String, Sendable, Hashable, CaseIterable {
        /// Dirichlet p and q with some entries forced to zero.
        case zeros
        /// p = q.
        case equal
        /// q lives where p is 0 (or as nearly as the supports allow).
        case disjoint
        /// One draft token carries mass 1 − 1e-12.
        case nearDegenerate = "near-degenerate"
        /// Dirichlet p and q without zeros, of low concentration (peaked).
        case peaked
        /// Dirichlet p and q without zeros, of high concentration (flat).
        case flat
    }

    /// The target p.
    public let target: [Double]
    /// The draft distribution q (one per draft for the independent law).
    public let drafts: [[Double]]
    /// n, the number of drafts.
    public let draftCount: Int
    public let law: DraftLawName
    public let shape: Shape

    public init(target: [Double], drafts: [[Double]], draftCount: Int, law: DraftLawName, shape: Shape) {
        self.target = target
        self.drafts = drafts
        self.draftCount = draftCount
        self.law = law
        self.shape = shape
    }

    /// V.
    public var vocabularySize: Int { target.count }

    /// The order in which failures are reported: smaller V, then fewer drafts, then fewer target tokens in support.
    public var size: [Int] { [vocabularySize, draftCount, target.filter { $0 > 0 }.count] }

    public func makeTarget() throws -> Distribution { try Distribution(target) }

    public func makeLaw() throws -> DraftLaw {
        try DraftLaw.named(law, drafts: drafts.map { try Distribution($0) }, count: draftCount)
    }

    public var description: String {
        let q = drafts.count == 1 ? "q: \(drafts[0])" : "qs: \(drafts)"
        return
            "law: .\(law == .withoutReplacement ? "withoutReplacement" : law == .specHub ? "specHub" : law.rawValue), "
            + "n: \(draftCount), p: \(target), \(q) (\(shape.rawValue))"
    }

    /// A random instance over V tokens of the given shape: p and q (and a second draft distribution q₂ for the
    /// independent law, used for odd draft positions), from `rng`.
    public static func random(
        vocabulary v: Int, drafts n: Int, law: DraftLawName, shape: Shape, using rng: inout Xoshiro256
    ) -> ConformanceInstance {
        precondition(v >= 1 && n >= 1)
        let p: Distribution, q: Distribution
        switch shape {
        case .zeros:
            p = Distribution.dirichlet(v, concentration: 0.7, zeroFraction: 0.3, using: &rng)
            q = Distribution.dirichlet(v, concentration: 0.7, zeroFraction: 0.3, using: &rng)
        case .equal:
            p = Distribution.dirichlet(v, concentration: 1, zeroFraction: 0.2, using: &rng)
            q = p
        case .disjoint:
            p = Distribution.dirichlet(v, concentration: 1, zeroFraction: 0.4, using: &rng)
            let outside = (0..<v).map { p[$0] == 0 ? 1 + Double($0) : 0 }
            q = (try? Distribution(normalizing: outside)) ?? Distribution.dirichlet(v, concentration: 1, using: &rng)
        case .nearDegenerate:
            p = Distribution.dirichlet(v, concentration: 1, using: &rng)
            let top = Int(rng.next() % UInt64(v))
            let rest = v > 1 ? 1e-12 / Double(v - 1) : 0
            q = (try? Distribution((0..<v).map { $0 == top ? 1 - 1e-12 : rest })) ?? Distribution.uniform(v)
        case .peaked:
            p = Distribution.dirichlet(v, concentration: 0.3, using: &rng)
            q = Distribution.dirichlet(v, concentration: 0.3, using: &rng)
        case .flat:
            p = Distribution.dirichlet(v, concentration: 3, using: &rng)
            q = Distribution.dirichlet(v, concentration: 3, using: &rng)
        }
        var qs = [q.probabilities]
        if law == .independent {
            let q2 = Distribution.dirichlet(v, concentration: 1, zeroFraction: shape == .zeros ? 0.3 : 0, using: &rng)
            qs = (0..<n).map { $0 % 2 == 0 ? q.probabilities : q2.probabilities }
        }
        return ConformanceInstance(
            target: p.probabilities, drafts: qs, draftCount: law == .independent ? qs.count : n,
            law: law, shape: shape)
    }
}
