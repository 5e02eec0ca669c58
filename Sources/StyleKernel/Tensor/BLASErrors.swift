import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// OpenBLAS reports an illegal argument by calling the Fortran routine `xerbla_`, whose default
/// prints "** On entry to SSYRK parameter number 7 had an illegal value" to *standard output* —
/// into a PNG piped to `-o png:-`, into `convert`'s output — and then returns as if nothing
/// happened, leaving a wrong result. OpenBLAS's own `xerbla_` is a weak, interposable symbol, so
/// the one below (exported by the `stylize` executable and by libstylefilter.so) replaces it:
/// the error is recorded, and the engine turns it into `StyleError.internal` after its run.
/// Outside a stylization (a host's own BLAS calls) it is printed to standard error instead.
public enum BLASErrors {
    private static let state = Mutex<(count: Int, last: String)>((0, ""))
    private static let activeRuns = Atomic<Int>(0)

    /// Errors recorded so far (compare before and after a run).
    static var count: Int { state.withLock { $0.count } }

    /// The last error's text.
    static var last: String { state.withLock { $0.last } }

    static func record(_ message: String) {
        state.withLock {
            $0.count += 1
            $0.last = message
        }
        if activeRuns.load(ordering: .relaxed) == 0 {
            let line = Array("\(message)\n".utf8)
            _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }
    }

    /// Runs `body` with errors recorded instead of printed; throws `StyleError.internal` if
    /// OpenBLAS rejected an argument meanwhile (a bug in the engine: the result would be wrong).
    static func checking<T>(_ body: () throws -> T) throws -> T {
        activeRuns.add(1, ordering: .relaxed)
        defer { activeRuns.subtract(1, ordering: .relaxed) }
        let before = count
        let result = try body()
        if count != before {
            throw StyleError.internal(
                "internal error: OpenBLAS rejected an argument (\(last)); please report this with the image sizes and options used"
            )
        }
        return result
    }
}

/// The Fortran signature: `xerbla_(srname, info, srname_len)`; OpenBLAS passes the routine name
/// (blank-padded, not always NUL-terminated) and the position of the bad argument.
@_cdecl("xerbla_")
public func stylefilter_xerbla(
    _ routine: UnsafePointer<CChar>?, _ info: UnsafePointer<Int32>?,
    _ length: Int32
) -> Int32 {
    var name = ""
    if let routine {
        var bytes: [UInt8] = []
        for i in 0..<max(0, min(Int(length), 32)) {
            let b = UInt8(bitPattern: routine[i])
            if b == 0 { break }
            bytes.append(b)
        }
        while bytes.last == UInt8(ascii: " ") { bytes.removeLast() }  // Fortran blank padding
        name = String(decoding: bytes, as: UTF8.self)
    }
    let parameter = info.map { Int($0.pointee) } ?? 0
    BLASErrors.record("OpenBLAS: on entry to \(name) parameter number \(parameter) had an illegal value")
    return 0
}
