import Foundation
import Glibc
import XCTest
@testable import MCEResponse

final class StateFileTests: XCTestCase {
    private let sample = "version 1\ndimm 0 1 0 ce 3 uc 0\npage 0x1234000 total 2 online triggered\n"

    func testMissingFileIsNoState() throws {
        let dir = TemporaryDirectory("state")
        XCTAssertNil(try StateFile(directory: dir.path, name: "mcelog.state").read())
    }

    func testWriteThenReadBack() throws {
        let dir = TemporaryDirectory("state")
        let file = StateFile(directory: dir.path, name: "mcelog.state")
        try file.write(sample)
        XCTAssertEqual(try file.read(), sample)
        XCTAssertEqual(dir.read("mcelog.state"), sample)
        var st = stat()
        XCTAssertEqual(stat(file.path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600, "counters are the daemon's business")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.temporaryPath), "no temporary file left")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["mcelog.state"])
    }

    func testOverwriteReplacesTheWholeContent() throws {
        let dir = TemporaryDirectory("state")
        let file = StateFile(directory: dir.path, name: "mcelog.state")
        try file.write(String(repeating: "long line of old state\n", count: 100))
        try file.write("short\n")
        XCTAssertEqual(try file.read(), "short\n")
        try file.write("")
        XCTAssertEqual(try file.read(), "")
    }

    func testTheOldContentSurvivesAWriteThatFails() throws {
        let dir = TemporaryDirectory("state")
        let file = StateFile(directory: dir.path, name: "mcelog.state", sizeLimit: 1024)
        try file.write(sample)

        // 1. The temporary file cannot be created (its name is taken by a directory).
        dir.mkdir(".mcelog.state.tmp")
        XCTAssertThrowsError(try file.write("new state\n")) { error in
            XCTAssertEqual(error as? StateFileError, .writeFailed(step: "create", path: file.temporaryPath, errno: EISDIR))
            XCTAssertEqual((error as? StateFileError)?.description,
                           "Cannot create state file \(file.temporaryPath): Is a directory")
        }
        XCTAssertEqual(try file.read(), sample)
        rmdir(file.temporaryPath)

        // 2. Content above the limit the reader accepts is refused before anything is written.
        XCTAssertThrowsError(try file.write(String(repeating: "x", count: 1025))) { error in
            XCTAssertEqual(error as? StateFileError, .contentTooLarge(path: file.path, size: 1025, limit: 1024))
        }
        XCTAssertEqual(try file.read(), sample)

        // 3. The directory is not writable for the daemon (checked without root's override).
        chmod(dir.path, 0o555)
        let path = dir.path
        let failure = withoutFileCapabilities { () -> StateFileError? in
            do { try StateFile(directory: path, name: "mcelog.state").write("new state\n"); return nil }
            catch let e as StateFileError { return e } catch { return nil }
        }
        chmod(dir.path, 0o755)
        XCTAssertEqual(failure, .writeFailed(step: "create", path: file.temporaryPath, errno: EACCES))
        XCTAssertEqual(try file.read(), sample)
    }

    func testALeftoverTemporaryFileFromACrashIsIgnoredAndReplaced() throws {
        let dir = TemporaryDirectory("state")
        let file = StateFile(directory: dir.path, name: "mcelog.state")
        try file.write(sample)
        // A crash between create and rename leaves a partial temporary file behind.
        dir.write(".mcelog.state.tmp", "version 1\ndimm 0 1", mode: 0o600)
        XCTAssertEqual(try file.read(), sample)
        try file.write("after restart\n")
        XCTAssertEqual(try file.read(), "after restart\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.temporaryPath))
    }

    func testUnreadableIsATypedError() throws {
        let dir = TemporaryDirectory("state")
        let file = StateFile(directory: dir.path, name: "mcelog.state")
        try file.write(sample)
        chmod(file.path, 0o000)
        let path = dir.path
        let result = withoutFileCapabilities { () -> StateFileError? in
            do { _ = try StateFile(directory: path, name: "mcelog.state").read(); return nil }
            catch let e as StateFileError { return e } catch { return nil }
        }
        XCTAssertEqual(result, .unreadable(path: file.path, errno: EACCES))

        chmod(file.path, 0o600)
        let isDirectory = StateFile(directory: dir.path, name: "sub")
        dir.mkdir("sub")
        XCTAssertThrowsError(try isDirectory.read()) { error in
            XCTAssertEqual(error as? StateFileError, .unreadable(path: isDirectory.path, errno: EISDIR))
        }
    }

    func testAFileAboveTheLimitIsRefused() throws {
        let dir = TemporaryDirectory("state")
        dir.write("mcelog.state", String(repeating: "y", count: 200_000))
        let file = StateFile(directory: dir.path, name: "mcelog.state", sizeLimit: 100_000)
        XCTAssertThrowsError(try file.read()) { error in
            XCTAssertEqual(error as? StateFileError, .tooLarge(path: file.path, limit: 100_000))
        }
    }

    func testBinaryGarbageComesBackAsTextForTheParserToReject() throws {
        let dir = TemporaryDirectory("state")
        _ = FileManager.default.createFile(atPath: dir.sub("mcelog.state"), contents: Data([0x76, 0xff, 0xfe, 0x0a]))
        XCTAssertEqual(try StateFile(directory: dir.path, name: "mcelog.state").read(), "v\u{FFFD}\u{FFFD}\n")
    }
}
