@_exported import AcceptanceBounds
