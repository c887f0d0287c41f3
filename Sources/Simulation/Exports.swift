@_exported import Verifiers
