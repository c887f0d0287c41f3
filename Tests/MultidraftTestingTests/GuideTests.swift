import Foundation
import Testing

/// The guide Notebooks-md/writing-a-verifier.md quotes the example user package verbatim (the package CI builds outside
/// the repository), and names no folder of a particular machine.
@Test func guideQuotesTheTestedCode() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let guide = try String(
        contentsOf: root.appendingPathComponent("Notebooks-md/writing-a-verifier.md"), encoding: .utf8)
    let files = [
        "Package.swift", "Sources/FirstDraftVerifier/FirstDraftVerifier.swift", "Sources/user-multidraft/main.swift",
        "Tests/FirstDraftVerifierTests/FirstDraftVerifierTests.swift"
    ]
    for file in files {
        var code = try String(contentsOf: root.appendingPathComponent("Tests/ScratchPackage/" + file), encoding: .utf8)
        while code.hasSuffix("\n") { code.removeLast() }
        #expect(guide.contains("```swift\n" + code + "\n```"), "\(file) is not quoted verbatim in the guide")
    }
    // No absolute paths: a path starting with "/" after a space, quote, backtick or parenthesis.
    let absolute = try Regex(#"(^|[\s`"(])/[A-Za-z]"#)
    #expect(guide.firstMatch(of: absolute) == nil, "the guide names an absolute path")
}
