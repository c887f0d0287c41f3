// The umbrella module: `import Multidraft` gives every library module of the toolkit. The only module that
// re-exports; every other module and test target imports what it uses.
@_exported import AcceptanceBounds
@_exported import CandidateLength
@_exported import Datasets
@_exported import Distributions
@_exported import EngineAudit
@_exported import ImportanceSampling
@_exported import Solvers
@_exported import MultidraftIO
@_exported import MultidraftSupport
@_exported import OptimalVerifier
@_exported import SequenceLevel
@_exported import Simulation
@_exported import Verifiers
