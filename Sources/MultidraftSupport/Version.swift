/// The toolkit's version, written into experiment tables.
public let multidraftVersion = "0.1.0"
