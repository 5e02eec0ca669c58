#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file that holds this engine's machine code: `libstylefilter.so` when the engine runs inside
/// the C library (a C host, ImageMagick's module, Python ctypes), the executable when it is linked
/// statically (`stylize`, the tests). An installed copy finds its data (the model) relative to
/// this file, never through a path compiled in at build time, so an install prefix can move.
public enum CodeLocation {
    /// Absolute path of that file with symbolic links resolved, or nil if it cannot be found.
    public static func path() -> String? {
        guard let loaded = loadedObjectName() else { return executablePath() }
        // For the main program dladdr reports argv[0] (possibly a bare name found through PATH),
        // so the kernel's record of the executable is the reliable answer there.
        if loaded == firstArgument() || !loaded.contains("/") { return executablePath() }
        return realPath(loaded) ?? executablePath()
    }

    /// `dladdr` on a function of this module: the name under which the dynamic loader mapped the
    /// object holding it. Glibc's Swift module does not declare `dladdr` (it is a GNU extension),
    /// so it is looked up by name; `Dl_info` is four pointers (fname, fbase, sname, saddr).
    private static func loadedObjectName() -> String? {
        typealias Dladdr = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32
        guard let symbol = dlsym(nil, "dladdr") else { return nil }  // nil = RTLD_DEFAULT
        let dladdr = unsafeBitCast(symbol, to: Dladdr.self)
        let marker: @convention(c) () -> Void = {}
        var info: (UnsafePointer<CChar>?, UnsafeRawPointer?, UnsafePointer<CChar>?, UnsafeRawPointer?) =
            (nil, nil, nil, nil)
        let found = withUnsafeMutableBytes(of: &info) {
            dladdr(unsafeBitCast(marker, to: UnsafeRawPointer.self), $0.baseAddress)
        }
        guard found != 0, let name = info.0, name.pointee != 0 else { return nil }
        return String(cString: name)
    }

    static func executablePath() -> String? {
        var buf = [CChar](repeating: 0, count: 4097)
        let n = readlink("/proc/self/exe", &buf, 4096)
        guard n > 0 else { return nil }
        return buf.withUnsafeBufferPointer { p in
            String(decoding: UnsafeRawBufferPointer(start: p.baseAddress, count: n), as: UTF8.self)
        }
    }

    /// argv[0] of this process, as the kernel recorded it.
    private static func firstArgument() -> String? {
        guard let file = fopen("/proc/self/cmdline", "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        while bytes.count < 4096 {
            let c = getc(file)
            if c == EOF || c == 0 { break }
            bytes.append(UInt8(truncatingIfNeeded: c))
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
