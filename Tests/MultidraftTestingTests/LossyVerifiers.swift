import Distributions
import Verifiers

/// Four verifiers with the mistakes the conformance check must catch. Each describes what its `verify` does in
/// `conditionalOutcome`, so that the exact checker judges the algorithm, not a mismatch between the two.
enum Lossy {
    /// Residual weights (r − q)₊ normalised, or r itself when they have no mass.
    static func residual(_ r: [Double], _ q: [Double]) -> [Double] {
        let part = positivePart(r, minus: q)
        return part.mass > 0 ? part.values.map { $0 / part.mass } : r
    }

    /// The residual chain of recursive rejection for i.i.d. drafts: r₀ = p, rᵢ = norm((rᵢ₋₁ − q)₊), and the last one.
    struct Chain {
        let q: [Double]
        let residuals: [[Double]]
        let last: [Double]

        init(_ p: Distribution, _ law: DraftLaw, verifier: String) throws {
            guard case .iid(let draft) = law.kind else {
                throw VerifierError.unsupportedLaw(verifier: verifier, law: law.name, supported: ["iid"])
            }
            var r = p.probabilities, chain: [[Double]] = []
            for _ in 0..<law.drafts { chain.append(r); r = Lossy.residual(r, draft.probabilities) }
            q = draft.probabilities
            residuals = chain
            last = r
        }

        func accept(_ x: [Int], _ i: Int) -> Double { acceptProbability(residuals[i][x[i]], q[x[i]]) }
    }

    /// (a) A sibling scan: each drafted sibling xᵢ is tested with one coin U against the target mass still left for it
    /// (the residual chain of recursive rejection), as `U·q(xᵢ) ≤ r(xᵢ)`, with no guard for r(xᵢ) = 0. Lossless
    /// almost surely, but a coin of exactly 0 accepts a draft the target cannot emit.
    struct UnguardedSiblingScan: Verifier {
        let name = "lossy-sibling-scan"
        let target: Distribution
        let law: DraftLaw
        let chain: Chain
        let final: ResidualLaw

        init(target p: Distribution, law: DraftLaw) throws {
            chain = try Chain(p, law, verifier: name)
            target = p
            self.law = law
            final = ResidualLaw(weights: chain.last, fallback: p.probabilities)
        }

        func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
            for i in x.indices where rng.nextUniform() * chain.q[x[i]] <= chain.residuals[i][x[i]] {
                return VerificationOutcome(token: x[i], acceptedDraft: i)
            }
            return VerificationOutcome(token: final.sample(using: &rng), acceptedDraft: nil)
        }

        func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
            .scan(x, vocabularySize: target.vocabularySize, residual: final.probabilities) { chain.accept(x, $0) }
        }
    }

    /// (b) A multi-draft step that, after rejecting every draft, resamples from p instead of norm((r − q)₊).
    struct ResampleFromTarget: Verifier {
        let name = "lossy-resample-p"
        let target: Distribution
        let law: DraftLaw
        let chain: Chain
        let fallback: ResidualLaw

        init(target p: Distribution, law: DraftLaw) throws {
            chain = try Chain(p, law, verifier: name)
            target = p
            self.law = law
            fallback = ResidualLaw(weights: p.probabilities, fallback: p.probabilities) // the mistake: not chain.last
        }

        func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
            for i in x.indices where acceptTest(chain.residuals[i][x[i]], chain.q[x[i]], using: &rng) {
                return VerificationOutcome(token: x[i], acceptedDraft: i)
            }
            return VerificationOutcome(token: fallback.sample(using: &rng), acceptedDraft: nil)
        }

        func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
            .scan(x, vocabularySize: target.vocabularySize, residual: fallback.probabilities) { chain.accept(x, $0) }
        }
    }

    /// (c) Recursive rejection that never removes a rejected draft's mass: every draft is tested against p itself,
    /// and the final residual is norm((p − q)₊).
    struct ForgetfulRecursiveRejection: Verifier {
        let name = "lossy-forgetful-rrs"
        let target: Distribution
        let law: DraftLaw
        let q: [Double]
        let final: ResidualLaw

        init(target p: Distribution, law: DraftLaw) throws {
            guard case .iid(let draft) = law.kind else {
                throw VerifierError.unsupportedLaw(verifier: "lossy-forgetful-rrs", law: law.name, supported: ["iid"])
            }
            self.target = p
            self.law = law
            self.q = draft.probabilities
            self.final = ResidualLaw(
                weights: Lossy.residual(p.probabilities, draft.probabilities), fallback: p.probabilities)
        }

        func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
            for i in x.indices where acceptTest(target[x[i]], q[x[i]], using: &rng) {
                return VerificationOutcome(token: x[i], acceptedDraft: i)
            }
            return VerificationOutcome(token: final.sample(using: &rng), acceptedDraft: nil)
        }

        func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
            .scan(x, vocabularySize: target.vocabularySize, residual: final.probabilities) { i in
                acceptProbability(target[x[i]], q[x[i]])
            }
        }
    }

    /// (d) Single-draft speculative sampling handed a draft law other than the one the draft was sampled from: it
    /// believes q was top-k processed (the 2 most likely tokens, renormalised) while the drafts come from raw q.
    struct TopKMismatch: Verifier {
        let name = "lossy-top-k"
        let target: Distribution
        let law: DraftLaw
        let believed: [Double]
        let residual: ResidualLaw

        init(target p: Distribution, law: DraftLaw, k: Int = 2) throws {
            guard law.drafts == 1, let raw = law.draftDistribution else {
                throw VerifierError.wrongDraftCount(verifier: "lossy-top-k", expected: 1, found: law.drafts)
            }
            let top = Set(raw.topTokens(k))
            let weights = (0..<raw.vocabularySize).map { top.contains($0) ? raw[$0] : 0 }
            let mass = weights.reduce(0, +)
            self.target = p
            self.law = law
            self.believed = weights.map { $0 / mass }
            self.residual = ResidualLaw(weights: Lossy.residual(p.probabilities, believed), fallback: p.probabilities)
        }

        func verify(_ x: [Int], using rng: inout some RandomNumberGenerator) -> VerificationOutcome {
            if acceptTest(target[x[0]], believed[x[0]], using: &rng) {
                return VerificationOutcome(token: x[0], acceptedDraft: 0)
            }
            return VerificationOutcome(token: residual.sample(using: &rng), acceptedDraft: nil)
        }

        func conditionalOutcome(given x: [Int]) -> ConditionalOutcome? {
            let a = acceptProbability(target[x[0]], believed[x[0]])
            var out = ConditionalOutcome(
                outputLaw: [Double](repeating: 0, count: target.vocabularySize), coinAcceptance: a)
            out.outputLaw[x[0]] += a
            out.addResidual(residual.probabilities, weight: 1 - a)
            return out
        }
    }
}
