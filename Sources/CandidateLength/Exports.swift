@_exported import Distributions
