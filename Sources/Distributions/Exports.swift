@_exported import MultidraftSupport
