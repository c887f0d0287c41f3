@_exported import AcceptanceBounds
@_exported import Verifiers
@_exported import Simulation
