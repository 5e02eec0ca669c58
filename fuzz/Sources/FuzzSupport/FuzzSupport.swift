// Shared by the Swift harnesses (a library target of fuzz/Package.swift): a scratch file for
// readers that take a path, and the rule every harness checks — failures are StyleErrors,
// anything else is a bug.
import StyleKernel
#if canImport(Glibc)
import Glibc
#endif

/// One temporary file per fuzzer process, rewritten for every input (the model readers take a
/// path; pread on a real file is what they do in use). Removed at exit.
public enum ScratchFile {
    nonisolated(unsafe) private static var fd: Int32 = -1
    nonisolated(unsafe) private static var name = ""

    /// The scratch file's path after writing `bytes` into it (exactly, truncating the rest).
    public static func write(_ bytes: UnsafeRawBufferPointer, suffix: String) -> String {
        if fd < 0 {
            let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
            var template = Array("\(dir)/stylefilter-fuzz-XXXXXX\(suffix)".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
            guard fd >= 0 else { fatalError("fuzz harness: cannot create a scratch file in \(dir)") }
            name = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            atexit { unlink(ScratchFile.name) }
        }
        guard ftruncate(fd, 0) == 0 else { fatalError("fuzz harness: ftruncate failed") }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(done))
            guard n > 0 else { fatalError("fuzz harness: write failed") }
            done += n
        }
        return name
    }
}

/// Runs `body`; a StyleError is an expected outcome for bad input, any other error is a bug.
public func expectStyleErrorsOnly(_ what: String, _ body: () throws -> Void) {
    do { try body() } catch is StyleError {} catch {
        fatalError("\(what) threw a non-StyleError: \(error)")
    }
}
