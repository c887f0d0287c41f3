@_exported import AcceptanceBounds
@_exported import CandidateLength
@_exported import Verifiers
@_exported import Simulation
@_exported import ImportanceSampling
