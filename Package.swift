// swift-tools-version: 6.1
//
// multidraft — a research toolkit for the theory of multi-draft speculative sampling.
//
// System libraries (Debian): libglpk-dev (GLPK, linear programming), liblapacke-dev (LAPACKE).

import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let propertyBased = Target.Dependency.product(name: "PropertyBased", package: "swift-property-based")

/// Library modules, in dependency order. The theory they implement is the DocC article Theory of `Multidraft`.
let libraries: [(name: String, dependencies: [Target.Dependency])] = [
    ("MultidraftSupport", ["CAllocator"]),
    ("MultidraftIO", ["MultidraftSupport"]),
    ("Distributions", ["MultidraftSupport", "MultidraftIO", "MultidraftNumerics"]),
    ("Solvers", ["CGLPK", "MultidraftSupport"]),
    ("AcceptanceBounds", ["Distributions", "Solvers", "MultidraftNumerics"]),
    ("CandidateLength", ["CLAPACKE", "Distributions", "MultidraftSupport", "MultidraftIO"]),
    ("ImportanceSampling", ["AcceptanceBounds", "Solvers", "MultidraftNumerics"]),
    (
        "OptimalVerifier",
        ["ImportanceSampling", "AcceptanceBounds", "Distributions", "MultidraftSupport", "MultidraftNumerics"]
    ),
    ("Verifiers", ["Distributions", "AcceptanceBounds", "Solvers", "ImportanceSampling", "OptimalVerifier"]),
    ("Simulation", ["Verifiers", "MultidraftNumerics"]),
    (
        "SequenceLevel",
        [
            "Verifiers", "ImportanceSampling", "Simulation", "Distributions", "AcceptanceBounds", "Solvers",
            "MultidraftSupport", "MultidraftNumerics", "OptimalVerifier", "MultidraftIO"
        ]
    ),
    ("Datasets", ["Simulation", "Verifiers", "AcceptanceBounds", "Distributions", "MultidraftSupport", "MultidraftIO"]),
    ("EngineAudit", ["Datasets", "Verifiers", "AcceptanceBounds", "Distributions", "MultidraftSupport", "MultidraftIO"])
]

/// Experiment executables under `Experiments/`, each writing tidy CSV tables.
let experiments: [String] = [
    "multidraft-experiments",
    "acceptance",
    "importance-sweeps",
    "importance-table",
    "kseq-ratio",
    "candidate-length",
    "markov-thresholds",
    "scaling",
    "audit",
    "optimal-verifier",
    "heterogeneous-drafts",
    "model-pairs",
    "draft-trees",
    "block-verification",
    "real-models",
    "engine-audit"
]

var targets: [Target] = [
    .systemLibrary(name: "CGLPK", path: "Sources/CGLPK", providers: [.apt(["libglpk-dev"])]),
    .systemLibrary(name: "CLAPACKE", path: "Sources/CLAPACKE", providers: [.apt(["liblapacke-dev"])]),
    // glibc's allocator thresholds, set once by the executables (MultidraftSupport.tuneAllocatorForLargeArrays).
    .target(name: "CAllocator", path: "Sources/CAllocator"),
    // Generic numerics (compensated sums, exponential sums, Anderson mixing, incomplete gamma): an implementation
    // detail of the libraries, package access only, not a product and not re-exported.
    .target(name: "MultidraftNumerics", dependencies: ["MultidraftSupport"], path: "Sources/MultidraftNumerics")
]
for library in libraries {
    targets.append(.target(name: library.name, dependencies: library.dependencies))
    targets.append(
        .testTarget(
            name: library.name + "Tests",
            dependencies: [.target(name: library.name), "MultidraftTesting", propertyBased]
        ))
}
targets += [
    .target(name: "Multidraft", dependencies: libraries.map { .target(name: $0.name) }),
    // The conformance checks for any `Verifier`, for the toolkit's tests and for users' packages.
    .target(name: "MultidraftTesting", dependencies: ["Verifiers", "Simulation", "AcceptanceBounds", propertyBased]),
    .testTarget(name: "MultidraftTestingTests", dependencies: ["MultidraftTesting", "Verifiers", propertyBased]),
    // The command-line tool: its commands as a library (a user's executable runs them with its own registry), and
    // the thin `multidraft` executable.
    .target(name: "MultidraftCLI", dependencies: ["Multidraft", "MultidraftIO", "MultidraftSupport", argumentParser]),
    .executableTarget(name: "MultidraftTool", dependencies: ["MultidraftCLI"]),
    .testTarget(
        name: "MultidraftCLITests", dependencies: ["MultidraftCLI", "Multidraft", "MultidraftIO", "MultidraftSupport"]),
    .target(
        name: "ExperimentSupport", dependencies: ["Multidraft", "MultidraftIO", "MultidraftSupport", argumentParser],
        path: "Experiments/Support"),
    .testTarget(
        name: "ExperimentSupportTests",
        dependencies: ["ExperimentSupport", "Multidraft", "MultidraftIO", "MultidraftSupport"]),
    .executableTarget(
        name: "verifier-benchmark", dependencies: ["Multidraft", "MultidraftSupport"],
        path: "Experiments/verifier-benchmark")
]
for experiment in experiments {
    targets.append(
        .executableTarget(
            name: experiment,
            dependencies: ["ExperimentSupport", "Multidraft", "MultidraftIO", "MultidraftSupport", argumentParser],
            path: "Experiments/\(experiment)"
        ))
}

let package = Package(
    name: "multidraft",
    products: [
        .library(name: "Multidraft", targets: ["Multidraft"]),
        .library(name: "MultidraftTesting", targets: ["MultidraftTesting"]),
        .library(name: "MultidraftCLI", targets: ["MultidraftCLI"]),
        .library(name: "MultidraftExperiments", targets: ["ExperimentSupport"]),
        .executable(name: "multidraft", targets: ["MultidraftTool"])
    ] + experiments.map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0")
    ],
    targets: targets,
    swiftLanguageModes: [.v6]
)
