import Foundation
import XCTest
import MCEIO
import MCEDaemon
@testable import mcelog

/// The man pages document every option, configuration key, trigger and MESSAGE_ID the code
/// has, and format without a warning; the bash completion offers every option.
final class ManPageTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func page(_ name: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent("man/" + name), encoding: .utf8)
    }

    /// How roff source spells a name with dashes (`\-`), as the pages write them.
    static func roff(_ s: String) -> String { s.replacingOccurrences(of: "-", with: "\\-") }

    func shell(_ script: String) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", script]
        p.currentDirectoryURL = Self.root
        let path = NSTemporaryDirectory() + "mcelog-man-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        p.standardOutput = h
        p.standardError = h
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, try String(contentsOfFile: path, encoding: .utf8))
    }

    func testEveryPageFormatsWithoutAWarning() throws {
        for name in ["mcelog.8", "mcelog.conf.5", "mcelog.triggers.5"] {
            let r = try shell("groff -man -ww -z -t man/\(name)")
            XCTAssertEqual(r.status, 0, name)
            XCTAssertEqual(r.out, "", "\(name): \(r.out)")
        }
    }

    func testMcelog8DocumentsEveryOptionAndMessageID() throws {
        let text = try Self.page("mcelog.8")
        for option in CommandLineOptions.table.map(\.name) {
            XCTAssertTrue(text.contains("\\-\\-" + Self.roff(option)), "mcelog(8) lacks --\(option)")
        }
        for id in JournalMessageID.all {
            XCTAssertTrue(text.contains(id.hex), "mcelog(8) lacks MESSAGE_ID \(id.name)")
        }
        for field in ["MCE_SEVERITY", "MCE_KIND", "MCE_DECODED", "MCE_DIMM", "MCE_LOST_COUNT", "MCE_TRIGGER_EXIT"] {
            XCTAssertTrue(text.contains(field), field)
        }
    }

    func testMcelogConf5DocumentsEverySectionAndKey() throws {
        let text = try Self.page("mcelog.conf.5")
        let options = Set(CommandLineOptions.table.map(\.name))
        for (section, keys) in ConfigFile.knownKeys {
            if section != "global" { XCTAssertTrue(text.contains(".SH [\(section)]"), "no section [\(section)]") }
            // Global keys that are command-line options are covered by "every long option".
            for key in keys where section != "global" || !options.contains(key) {
                XCTAssertTrue(text.contains(Self.roff(key)), "mcelog.conf(5) lacks [\(section)] \(key)")
            }
        }
        XCTAssertTrue(text.contains("Upstream's manual says"), "the upstream client-user/-group mistake is named")
    }

    func testMcelogTriggers5DocumentsEveryTriggerKeyAndShippedScript() throws {
        let text = try Self.page("mcelog.triggers.5")
        let triggerKeys = ConfigFile.knownKeys.values.flatMap { $0 }.filter { $0.hasSuffix("-trigger") }
        XCTAssertGreaterThanOrEqual(triggerKeys.count, 12)
        for key in triggerKeys { XCTAssertTrue(text.contains(Self.roff(key)), "mcelog.triggers(5) lacks \(key)") }
        let scripts = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("conf/triggers").path)
        for s in scripts where !s.hasPrefix(".") {
            XCTAssertTrue(text.contains(Self.roff(s)), "mcelog.triggers(5) lacks the shipped \(s)")
        }
        for variable in ["THRESHOLD_COUNT", "AFFECTED_CPUS", "PARTICIPATION", "SEG", "MCGCAP", "DMI_NAME"] {
            XCTAssertTrue(text.contains(variable), variable)
        }
    }

    func testBashCompletionOffersEveryOptionAndArgumentWords() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/bash-completion/bash_completion") else {
            throw XCTSkip("bash-completion is not installed")
        }
        // Completes `words` with the cursor in the last word; prints COMPREPLY one per line.
        func complete(_ words: [String]) throws -> [String] {
            let quoted = words.map { "'\($0)'" }.joined(separator: " ")
            let r = try shell("""
                source /usr/share/bash-completion/bash_completion
                source contrib/bash-completion/mcelog
                COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1)
                COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
                _mcelog "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf '%s\\n' "${COMPREPLY[@]}"
                """)
            XCTAssertEqual(r.status, 0, r.out)
            return r.out.split(separator: "\n").map(String.init)
        }
        let all = try complete([MCELogCommandTests.binary.path, "--"])
        for option in CommandLineOptions.table.map(\.name) {
            XCTAssertTrue(all.contains("--" + option), "completion lacks --\(option)")
        }
        XCTAssertEqual(try complete([MCELogCommandTests.binary.path, "--su"]), ["--summary"])
        XCTAssertEqual(try complete([MCELogCommandTests.binary.path, "--source", ""]).sorted(), ["auto", "device", "tracefs"])
        XCTAssertEqual(try complete([MCELogCommandTests.binary.path, "--cpu", "skylake_s"]), ["skylake_server"],
                       "CPU names come from the binary's --help")
    }
}
