import Foundation
import XCTest
import MCEIO

/// scripts/build-deb.sh: the package holds every installed file with the right modes, its
/// control data is complete, and dpkg installs, removes and purges it in a scratch root
/// (dpkg --root; the maintainer scripts run against stub systemctl/journalctl/
/// deb-systemd-* that record their calls, so the host is never touched).
final class DebPackageTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    struct Run { let status: Int32; let out: String }

    @discardableResult
    func sh(_ script: String, env: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", script]
        p.currentDirectoryURL = Self.root
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        let outPath = NSTemporaryDirectory() + "mcelog-deb-\(UUID().uuidString).out"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardOutput = h
        p.standardError = h
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, out: try String(contentsOfFile: outPath, encoding: .utf8))
    }

    func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "mcelog-deb-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// Builds the package from the binary these tests run (uncompressed: fast).
    func buildPackage(_ dir: String) throws -> String {
        let r = try sh("scripts/build-deb.sh \"$BIN\"", env: ["OUT_DIR": dir, "DEB_COMPRESS": "none",
                                                             "BIN": MCELogCommandTests.binary.path])
        XCTAssertEqual(r.status, 0, r.out)
        let deb = try XCTUnwrap(r.out.split(separator: "\n").last.map(String.init))
        XCTAssertTrue(deb.hasSuffix("_amd64.deb") || deb.hasSuffix(".deb"), deb)
        XCTAssertTrue(FileManager.default.fileExists(atPath: deb), deb)
        return deb
    }

    func testPackageListsEveryInstalledFileWithItsMode() throws {
        let dir = try scratch()
        let deb = try buildPackage(dir)
        let listing = try sh("dpkg-deb -c \"$DEB\"", env: ["DEB": deb])
        XCTAssertEqual(listing.status, 0, listing.out)
        var modes: [String: String] = [:]
        for line in listing.out.split(separator: "\n") {
            let cols = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let path = cols.last, let mode = cols.first else { continue }
            modes[String(path.dropFirst())] = String(mode)   // "./usr/..." -> "/usr/..."
        }
        var expected: [String: String] = [
            "/usr/sbin/mcelog": "-rwxr-xr-x",
            "/lib/systemd/system/mcelog.service": "-rw-r--r--",
            "/lib/systemd/system/mcelog.socket": "-rw-r--r--",
            "/etc/mcelog/mcelog.conf": "-rw-r--r--",
            "/usr/lib/systemd/catalog/mcelog.catalog": "-rw-r--r--",
            "/usr/lib/tmpfiles.d/mcelog.conf": "-rw-r--r--",
            "/usr/share/man/man8/mcelog.8.gz": "-rw-r--r--",
            "/usr/share/man/man5/mcelog.conf.5.gz": "-rw-r--r--",
            "/usr/share/man/man5/mcelog.triggers.5.gz": "-rw-r--r--",
            "/usr/share/bash-completion/completions/mcelog": "-rw-r--r--",
            "/usr/share/doc/mcelog/copyright": "-rw-r--r--",
            "/usr/share/doc/mcelog/changelog.Debian.gz": "-rw-r--r--",
        ]
        let triggers = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("conf/triggers").path)
        XCTAssertGreaterThan(triggers.count, 0)
        for t in triggers { expected["/etc/mcelog/" + t] = "-rwxr-xr-x" }
        for (path, mode) in expected {
            XCTAssertEqual(modes[path], mode, path)
        }
        for line in listing.out.split(separator: "\n") {
            XCTAssertTrue(line.contains(" root/root "), "owned by root: \(line)")
        }
    }

    /// The release binary is linked with packed relative relocations (DT_RELR), which only
    /// glibc 2.36's loader applies; dpkg-shlibdeps does not see that, so the script raises the
    /// libc6 version itself. A small program linked the same way stands in for the release build.
    func testPackedRelocationsRaiseTheLibcDependencyTo236() throws {
        let dir = try scratch()
        let program = dir + "/relr"
        let link = try sh("""
            printf 'static const char *names[] = {"a", "b"};\\nint main(int c, char **v) { (void)v; return names[c & 1][0]; }\\n' |
              clang -x c - -O1 -fPIE -pie -fuse-ld=lld -Wl,-z,pack-relative-relocs -o "$OUT" && readelf -dW "$OUT"
            """, env: ["OUT": program])
        XCTAssertEqual(link.status, 0, link.out)
        XCTAssertTrue(link.out.contains("(RELR)"), "the stand-in has packed relocations: \(link.out)")
        let r = try sh("scripts/build-deb.sh \"$BIN\"", env: ["OUT_DIR": dir, "DEB_COMPRESS": "none", "BIN": program])
        XCTAssertEqual(r.status, 0, r.out)
        let deb = try XCTUnwrap(r.out.split(separator: "\n").last.map(String.init))
        let depends = try sh("dpkg-deb -f \"$DEB\" Depends", env: ["DEB": deb])
        XCTAssertTrue(depends.out.contains("libc6 (>= 2.36)"), depends.out)
        XCTAssertEqual(depends.out.components(separatedBy: "libc6").count, 2, "one libc6 dependency: \(depends.out)")
    }

    func testControlDataConffilesAndMaintainerScripts() throws {
        let dir = try scratch()
        let deb = try buildPackage(dir)
        let control = try sh("dpkg-deb -f \"$DEB\" Package Version Architecture Depends Section Priority Maintainer Description", env: ["DEB": deb])
        XCTAssertEqual(control.status, 0)
        XCTAssertTrue(control.out.contains("Package: mcelog\n"), control.out)
        XCTAssertTrue(control.out.contains("Version: 0.1.0-1\n"), control.out)
        XCTAssertTrue(control.out.contains("Section: admin\n"))
        let depends = control.out.split(separator: "\n").first { $0.hasPrefix("Depends: ") } ?? ""
        XCTAssertTrue(depends.contains("libsystemd0"), String(depends))
        let meta = dir + "/DEBIAN"
        XCTAssertEqual(try sh("dpkg-deb -e \"$DEB\" \"$META\"", env: ["DEB": deb, "META": meta]).status, 0)
        let conffiles = try String(contentsOfFile: meta + "/conffiles", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertTrue(conffiles.contains("/etc/mcelog/mcelog.conf"))
        XCTAssertTrue(conffiles.contains("/etc/mcelog/dimm-error-trigger"))
        XCTAssertTrue(conffiles.allSatisfy { $0.hasPrefix("/etc/mcelog/") }, "\(conffiles)")
        for script in ["postinst", "prerm", "postrm"] {
            let path = meta + "/" + script
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: path), script)
            XCTAssertEqual(try sh("sh -n \"$F\"", env: ["F": path]).status, 0, "\(script) parses")
        }
        let postinst = try String(contentsOfFile: meta + "/postinst", encoding: .utf8)
        XCTAssertTrue(postinst.contains("journalctl --update-catalog"))
        XCTAssertTrue(postinst.contains("systemd-tmpfiles --create mcelog.conf"), "the fallback log exists before the service starts")
        XCTAssertTrue(postinst.contains("deb-systemd-helper enable"))
        XCTAssertTrue(try String(contentsOfFile: meta + "/md5sums", encoding: .utf8).contains("  usr/sbin/mcelog\n"))
    }

    func testDpkgInstallsRemovesAndPurgesItInAScratchRoot() throws {
        let dir = try scratch()
        let deb = try buildPackage(dir)
        let root = dir + "/root", stubs = dir + "/stubs"
        // Stubs for everything the maintainer scripts may call on a system: they only log.
        try sh("""
            set -e
            mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/mcelog" "$R/var/log" "$S"
            touch "$R/var/lib/dpkg/status" "$R/var/lib/mcelog/counts" "$R/var/log/mcelog"
            for c in journalctl deb-systemd-helper deb-systemd-invoke systemctl; do
                printf '#!/bin/sh\\necho "%s $*" >> "%s/calls"\\nexit 0\\n' "$c" "$S" > "$S/$c"
                chmod +x "$S/$c"
            done
            """, env: ["R": root, "S": stubs])
        let dpkg = "PATH=\"$S:$PATH\" dpkg --root=\"$R\" --force-script-chrootless --force-depends --force-not-root"
        let env = ["R": root, "S": stubs, "DEB": deb]

        let install = try sh("\(dpkg) -i \"$DEB\"", env: env)
        XCTAssertEqual(install.status, 0, install.out)
        for f in ["/usr/sbin/mcelog", "/etc/mcelog/mcelog.conf", "/lib/systemd/system/mcelog.socket",
                  "/usr/lib/systemd/catalog/mcelog.catalog", "/usr/share/man/man8/mcelog.8.gz"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root + f), f)
        }
        let version = try sh("\"$R/usr/sbin/mcelog\" --version", env: env)
        XCTAssertTrue(version.out.hasPrefix("mcelog 0.1.0"), "the stripped binary runs: \(version.out)")
        // The installed catalog compiles and covers every MESSAGE_ID (the real journalctl,
        // on the scratch root only).
        let catalog = try sh("journalctl --root=\"$R\" --update-catalog && journalctl --root=\"$R\" --list-catalog", env: env)
        XCTAssertEqual(catalog.status, 0, catalog.out)
        for id in JournalMessageID.all { XCTAssertTrue(catalog.out.contains(id.hex + " mcelog: "), "catalog lacks \(id.name)") }
        var calls = try String(contentsOfFile: stubs + "/calls", encoding: .utf8)
        XCTAssertTrue(calls.hasPrefix("journalctl --update-catalog\n"), calls)
        XCTAssertTrue(calls.contains("deb-systemd-helper enable mcelog.socket\n"), calls)
        XCTAssertTrue(calls.contains("deb-systemd-helper enable mcelog.service\n"), calls)

        // Remove keeps the edited configuration; purge takes it and the daemon's state.
        try "# site setting\n".write(toFile: root + "/etc/mcelog/mcelog.conf", atomically: false, encoding: .utf8)
        XCTAssertEqual(try sh("\(dpkg) -r mcelog", env: env).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/usr/sbin/mcelog"))
        XCTAssertEqual(try String(contentsOfFile: root + "/etc/mcelog/mcelog.conf", encoding: .utf8), "# site setting\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/var/lib/mcelog/counts"))
        XCTAssertEqual(try sh("\(dpkg) -P mcelog", env: env).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/etc/mcelog"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/var/lib/mcelog"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/var/log/mcelog"))
        calls = try String(contentsOfFile: stubs + "/calls", encoding: .utf8)
        XCTAssertTrue(calls.contains("deb-systemd-helper mask mcelog.socket mcelog.service\n"), calls)
        XCTAssertTrue(calls.contains("deb-systemd-helper purge mcelog.socket mcelog.service\n"), calls)
    }

    func testMakeInstallHonoursDestdirAndPrefix() throws {
        let dir = try scratch()
        let r = try sh("make --no-print-directory -o release install DESTDIR=\"$D\" PREFIX=/usr/local INSTALL_BIN=\"$BIN\"",
                       env: ["D": dir, "BIN": MCELogCommandTests.binary.path])
        XCTAssertEqual(r.status, 0, r.out)
        for f in ["/usr/local/sbin/mcelog", "/usr/local/lib/systemd/catalog/mcelog.catalog",
                  "/usr/local/share/man/man5/mcelog.triggers.5", "/usr/local/share/bash-completion/completions/mcelog",
                  "/lib/systemd/system/mcelog.service", "/etc/mcelog/mcelog.conf", "/etc/mcelog/page-error-trigger"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + f), f)
        }
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: dir + "/etc/mcelog/page-error-trigger"))
    }
}
