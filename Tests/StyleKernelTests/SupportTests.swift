import XCTest

@testable import StyleKernel

#if canImport(Glibc)
    import Glibc
#endif

/// The shared small utilities: atomic file replacement (model files and the command's outputs)
/// and text trimming.
final class SupportTests: XCTestCase {
    private func tempDir() throws -> String {
        var template = Array("/tmp/stylefilter-support-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw XCTSkip("cannot create a temporary directory")
        }
        let dir = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        addTeardownBlock {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] { unlink(dir + "/" + name) }
            rmdir(dir)
        }
        return dir
    }

    private func mode(_ path: String) -> mode_t {
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0, path)
        return st.st_mode & 0o7777
    }

    private struct Refused: Error {}

    func testAtomicWriteKeepsModeAndLeavesNothingOnFailure() throws {
        let dir = try tempDir(), path = dir + "/file.bin"
        try AtomicFile.write(path) { try $0.append([1, 2, 3]) }
        XCTAssertEqual(try FileIO.readWholeFile(path), [1, 2, 3])
        let mask = umask(0o022)
        umask(mask)
        XCTAssertEqual(mode(path), 0o666 & ~mask, "a new file's mode is 0666 less the umask")

        XCTAssertEqual(chmod(path, 0o640), 0)
        try AtomicFile.write(path) { try $0.append([4, 5]) }
        XCTAssertEqual(try FileIO.readWholeFile(path), [4, 5])
        XCTAssertEqual(mode(path), 0o640, "replacing a file keeps its permissions")

        XCTAssertThrowsError(
            try AtomicFile.write(path) { w in
                try w.append([9, 9, 9, 9])
                throw Refused()
            })
        XCTAssertEqual(try FileIO.readWholeFile(path), [4, 5], "a failed write leaves the target as it was")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: dir), ["file.bin"],
            "a failed write leaves no temporary file")
    }

    func testStagedFileIsInvisibleUntilCommitted() throws {
        let dir = try tempDir(), path = dir + "/out.bin"
        let staged = try [UInt8]([7]).withUnsafeBytes { try AtomicFile.stage($0, replacing: path, shownAs: "out.bin") }
        XCTAssertFalse(FileIO.fileExists(path))
        XCTAssertTrue(FileIO.fileExists(staged.temporary))
        try staged.commit()
        XCTAssertEqual(try FileIO.readWholeFile(path), [7])
        XCTAssertFalse(FileIO.fileExists(staged.temporary))

        let dropped = try [UInt8]([8]).withUnsafeBytes { try AtomicFile.stage($0, replacing: path, shownAs: "out.bin") }
        dropped.discard()
        XCTAssertEqual(try FileIO.readWholeFile(path), [7])
        XCTAssertFalse(FileIO.fileExists(dropped.temporary))
    }

    func testTrimmingSpaces() {
        XCTAssertEqual(" \tconv1_1:1 \t".trimmingSpaces(), "conv1_1:1")
        XCTAssertEqual("a b".trimmingSpaces(), "a b", "inner blanks stay")
        XCTAssertEqual(" \t ".trimmingSpaces(), "")
        XCTAssertEqual("".trimmingSpaces(), "")
        XCTAssertEqual("\nx\n".trimmingSpaces(), "\nx\n", "line breaks are not padding")
        XCTAssertEqual("a,  b".split(separator: ",")[1].trimmingSpaces(), "b", "works on substrings")
    }
}

/// The checked allocator refuses what the system will not give, where Swift's would trap.
final class CheckedMemoryTests: XCTestCase {
    func testRefusalsThrowOutOfMemory() {
        // 2⁴⁶ floats (256 TiB): more than x86-64's 128 TiB of user address space, under any
        // overcommit policy; the count overflows bytes beyond.
        for count in [1 << 46, Int.max / 2, -1] {
            XCTAssertThrowsError(try CheckedMemory.floats(count, what: "a test image")) { error in
                guard case StyleError.outOfMemory(let message) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(message.contains("a test image"), message)
            }
        }
        XCTAssertThrowsError(try FloatBuffer(checkedCount: 1 << 46))
    }

    /// The arrays a run makes go through it too: asked for 2⁴⁶ values (2²³ × 2²³), each of these
    /// would have trapped with Swift's own allocation.
    func testArraysMadeInARunThrowOutOfMemory() throws {
        let side = 1 << 23
        let pixel = try PlanarImage(width: 1, height: 1, red: 0.5, green: 0.5, blue: 0.5)
        func refused(_ what: String, _ body: () throws -> Any) {
            XCTAssertThrowsError(try body(), what) { error in
                guard case StyleError.outOfMemory? = error as? StyleError else { return XCTFail("\(what): \(error)") }
            }
        }
        refused("resize") { try Resample.resize(pixel, width: side, height: side) }
        refused("interior mask") {
            try ReflectedBorder(width: 1, imageWidth: 1, imageHeight: 1).interiorMask(
                stride: 1, width: side, height: side)
        }
        refused("noise") { try StylizeRun.noise(width: side, height: side, seed: 1) }
        refused("crop") {
            try PlanarImage.crop([0], channels: 1, width: 1, height: 1, x0: 0, y0: 0, toWidth: side, height: side)
        }
    }

    func testWhatCanBeHadIsMade() throws {
        XCTAssertEqual(try CheckedMemory.floats(5, repeating: 2, what: "x"), [2, 2, 2, 2, 2])
        let squares: [Int] = try CheckedMemory.array(4, what: "x") { buffer, count in
            for i in 0..<4 { buffer[i] = i * i }
            count = 4
        }
        XCTAssertEqual(squares, [0, 1, 4, 9])
    }
}
