@_exported import Distributions
@_exported import LinearProgramming
