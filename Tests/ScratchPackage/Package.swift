// swift-tools-version: 6.1
// A user's package: one verifier, its conformance test, and a `multidraft` executable that knows it.
import PackageDescription

let package = Package(
    name: "user-verifier",
    dependencies: [
        .package(path: "../multidraft") // or .package(url: "<the toolkit's git URL>", branch: "main")
    ],
    targets: [
        .target(name: "FirstDraftVerifier", dependencies: [.product(name: "Multidraft", package: "multidraft")]),
        .executableTarget(
            name: "user-multidraft",
            dependencies: [
                "FirstDraftVerifier", .product(name: "MultidraftCLI", package: "multidraft")
            ]),
        .testTarget(
            name: "FirstDraftVerifierTests",
            dependencies: [
                "FirstDraftVerifier", .product(name: "MultidraftTesting", package: "multidraft")
            ])
    ]
)
