import Foundation
import Testing

/// The documentation is self-contained: every `<doc:Article>` or `<doc:Article#Section>` that a doc comment, an
/// experiment, a notebook, a notebook template, an article or the README names exists in the DocC catalog of the
/// umbrella module, with that section heading; the README indexes only existing articles and stays short.
@Suite struct DocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let catalog = root.appendingPathComponent("Sources/Multidraft/Multidraft.docc")

    /// Every file under `folder` (relative to the root) whose name ends with one of `suffixes`.
    static func files(under folder: String, suffixes: [String]) -> [URL] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { url in
            !url.path.contains("/.build") && suffixes.contains { url.lastPathComponent.hasSuffix($0) }
        }
    }

    /// The section anchors of an article: its headings with spaces as hyphens, as DocC forms them.
    static func anchors(ofArticle name: String) -> Set<String>? {
        let url = catalog.appendingPathComponent("\(name).md")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        var result = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("#") {
            let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
            result.insert(title.replacingOccurrences(of: " ", with: "-"))
        }
        return result
    }

    @Test func everyCitedArticleAndSectionExists() throws {
        let sources =
            Self.files(under: "Sources", suffixes: [".swift", ".md"])
            + Self.files(under: "Experiments", suffixes: [".swift", ".py", ".md"])
            + Self.files(under: "Notebooks-md", suffixes: [".md", ".py"])
            + Self.files(under: "Tests", suffixes: [".swift"])
            + [Self.root.appendingPathComponent("README.md")]
        let link = try Regex(#"<doc:([A-Za-z0-9]+)(?:#([A-Za-z0-9*\-]+))?>"#)
        var citations = 0
        for file in sources {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: link) {
                guard let article = match.output[1].substring.map(String.init) else { continue }
                // This file's own description of the pattern is not a citation.
                if file.lastPathComponent == "DocumentationTests.swift" { continue }
                citations += 1
                let where_ = file.path.replacingOccurrences(of: Self.root.path + "/", with: "")
                guard let sections = Self.anchors(ofArticle: article) else {
                    Issue.record("\(where_) cites the article \(article), which the catalog does not have")
                    continue
                }
                if let section = match.output[2].substring.map(String.init) {
                    #expect(sections.contains(section), "\(where_) cites \(article)#\(section): no such section")
                }
            }
        }
        // The doc comments, templates and notebooks cite the theory dozens of times; none citing would mean the
        // pattern above no longer matches the way they cite.
        #expect(citations > 40, "only \(citations) citations found")
    }

    @Test func readmeIndexesExistingArticlesAndStaysShort() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count <= 150, "README has \(lines.count) lines")
        // The rows of the article index: `| Name | … |` with a bare capitalised name.
        let row = try Regex(#"(?m)^\| ([A-Z][A-Za-z]+) \|"#)
        let named = readme.matches(of: row).map { String($0.output[1].substring ?? "") }
        #expect(named.count >= 10, "the README's article index lists \(named.count) articles")
        for name in named {
            #expect(Self.anchors(ofArticle: name) != nil, "the README indexes \(name), which the catalog does not have")
        }
        // Every article of the catalog is in the index.
        let articles = try FileManager.default.contentsOfDirectory(atPath: Self.catalog.path)
            .filter { $0.hasSuffix(".md") && $0 != "Multidraft.md" }.map { String($0.dropLast(3)) }
        for article in articles { #expect(named.contains(article), "the README's index omits \(article)") }
    }

    @Test func noFileCitesAFolderOutsideTheRepository() throws {
        let files =
            Self.files(under: "Sources", suffixes: [".swift", ".md"])
            + Self.files(under: "Notebooks-md", suffixes: [".md", ".py"])
            + [Self.root.appendingPathComponent("README.md")]
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(!text.contains("shared/" + "theory"), "\(file.lastPathComponent) cites the theory folder")
        }
    }
}
