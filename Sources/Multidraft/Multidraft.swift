// The umbrella module: `import Multidraft` gives the toolkit's libraries (the mathematics, batch evaluation and the
// engine audit) with the vocabulary their APIs use (distributions, the seeded generator, typed errors). The
// infrastructure modules (MultidraftIO: file formats and CSV; MultidraftSupport: threads, timing, progress) are not
// re-exported: import them by name where needed. The only module that re-exports; every other module and test
// target imports what it uses.
@_exported import AcceptanceBounds
@_exported import CandidateLength
@_exported import Datasets
@_exported import Distributions
@_exported import EngineAudit
@_exported import ImportanceSampling
@_exported import Solvers
@_exported import OptimalVerifier
@_exported import SequenceLevel
@_exported import Simulation
@_exported import Verifiers
