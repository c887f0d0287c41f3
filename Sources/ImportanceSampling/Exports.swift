@_exported import AcceptanceBounds
@_exported import LinearProgramming
