/// A sparse linear program, built in Swift and validated completely before GLPK sees it.
///
/// ```
/// optimise   cᵀx
/// subject to lᵣ ≤ A x ≤ uᵣ   (rows)
///            lₓ ≤ x ≤ uₓ      (columns)
/// ```
///
/// Bounds are `nil` for ±∞. Duplicate (row, column) entries are summed, zero entries dropped. Solve with
/// ``solve(_:)`` (GLPK's simplex, optionally confirmed by its exact rational simplex).
public struct LinearProgram: Sendable {
    public enum Sense: Sendable { case maximize, minimize }

    public struct Column: Sendable, Equatable {
        public var lower: Double?
        public var upper: Double?
        public var objective: Double
    }

    public struct Row: Sendable, Equatable {
        public var lower: Double?
        public var upper: Double?
    }

    public var sense: Sense
    public private(set) var columns: [Column] = []
    public private(set) var rows: [Row] = []
    /// Matrix entries (row, column, value), in insertion order.
    public private(set) var entries: [(row: Int, column: Int, value: Double)] = []

    public init(sense: Sense) {
        self.sense = sense
    }

    /// Adds a variable and returns its index.
    @discardableResult
    public mutating func addVariable(lower: Double? = 0, upper: Double? = nil, objective: Double = 0) -> Int {
        columns.append(Column(lower: lower, upper: upper, objective: objective))
        return columns.count - 1
    }

    /// Adds a constraint `lower ≤ Σ coefficient · x[variable] ≤ upper` and returns its index.
    @discardableResult
    public mutating func addConstraint(
        _ terms: [(variable: Int, coefficient: Double)], lower: Double? = nil, upper: Double? = nil
    ) -> Int {
        rows.append(Row(lower: lower, upper: upper))
        let r = rows.count - 1
        for t in terms { entries.append((r, t.variable, t.coefficient)) }
        return r
    }

    /// Adds one matrix entry to an existing row (summed with any earlier entry at the same place).
    public mutating func addEntry(row: Int, variable: Int, coefficient: Double) {
        entries.append((row, variable, coefficient))
    }

    /// Checks every number, index and bound; returns the merged entries (duplicates summed, zeros dropped).
    func validatedEntries(limits: LPLimits) throws -> [(row: Int, column: Int, value: Double)] {
        if columns.count > limits.maxVariables || rows.count > limits.maxConstraints
            || entries.count > limits.maxNonzeros
        {
            throw LPError.tooLarge(
                variables: columns.count, constraints: rows.count, nonzeros: entries.count, limits: limits)
        }
        for (j, c) in columns.enumerated() {
            if !c.objective.isFinite {
                throw LPError.invalidNumber(what: "objective coefficient of variable \(j)", value: c.objective)
            }
            try Self.checkBounds(c.lower, c.upper, what: "variable \(j)")
        }
        for (i, r) in rows.enumerated() { try Self.checkBounds(r.lower, r.upper, what: "constraint \(i)") }
        var merged: [Int: Double] = [:]
        var order: [Int] = []
        let width = columns.count
        for e in entries {
            guard e.row >= 0, e.row < rows.count else {
                throw LPError.indexOutOfRange(what: "row", index: e.row, count: rows.count)
            }
            guard e.column >= 0, e.column < width else {
                throw LPError.indexOutOfRange(what: "variable", index: e.column, count: width)
            }
            guard e.value.isFinite else {
                throw LPError.invalidNumber(what: "coefficient (\(e.row), \(e.column))", value: e.value)
            }
            let key = e.row * width + e.column
            if merged[key] == nil { order.append(key) }
            merged[key, default: 0] += e.value
        }
        return order.compactMap { key in
            let v = merged[key]!
            return v == 0 ? nil : (key / width, key % width, v)
        }
    }

    private static func checkBounds(_ lower: Double?, _ upper: Double?, what: String) throws {
        if let l = lower, l.isNaN || l == .infinity {
            throw LPError.invalidNumber(what: "lower bound of \(what)", value: l)
        }
        if let u = upper, u.isNaN || u == -.infinity {
            throw LPError.invalidNumber(what: "upper bound of \(what)", value: u)
        }
        if let l = lower, let u = upper, l > u { throw LPError.invalidBounds(what: what, lower: l, upper: u) }
    }
}

/// Size limits checked before a problem is handed to GLPK.
public struct LPLimits: Sendable, Equatable, CustomStringConvertible {
    public var maxVariables: Int
    public var maxConstraints: Int
    public var maxNonzeros: Int

    public init(maxVariables: Int = 5_000_000, maxConstraints: Int = 5_000_000, maxNonzeros: Int = 20_000_000) {
        self.maxVariables = maxVariables
        self.maxConstraints = maxConstraints
        self.maxNonzeros = maxNonzeros
    }

    public var description: String {
        "\(maxVariables) variables, \(maxConstraints) constraints, \(maxNonzeros) nonzeros"
    }
}
