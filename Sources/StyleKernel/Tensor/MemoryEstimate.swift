#if canImport(Glibc)
    import Glibc
#endif

/// What a piece of work needs against what this process can still have, checked before the work
/// starts: on Linux an allocation rarely fails — the kernel's out-of-memory killer ends the whole
/// process instead, or, under an address-space limit, OpenBLAS spins in its allocator — so the
/// only safe refusal is one made up front, from the plan's own figures.
public enum MemoryEstimate {
    /// OpenBLAS maps one 128 MiB buffer (0.3.21 on x86_64) per call in flight, kept for reuse:
    /// address space, of which only the packing area is touched. It runs without its own thread
    /// pool (Sources/CBLASCore), so the calls in flight are the engine's workers'.
    static let openBLASAddressSpacePerThread = 128 << 20
    /// A worker thread's stack (glibc's default, from RLIMIT_STACK): address space.
    static let stackAddressSpacePerThread = 8 << 20
    /// The malloc arena glibc reserves for a thread that allocates: address space. Uncounted, the
    /// arenas left OpenBLAS without its buffer under some limits (convert -process at 800 MB), and
    /// OpenBLAS retries a failed buffer forever.
    static let arenaAddressSpacePerThread = 64 << 20
    /// What a worker thread really touches (its share of OpenBLAS's packing area, its stack):
    /// measured by peak RSS with --threads 1 and 2 on a 2-core machine, 0.4–1.1 MiB at 64, 256
    /// and 512 px; rounded up. (16 MiB until 1.6, which refused a small image on a 64-core host.)
    static let residentPerThread = 2 << 20

    /// Threads that run at once for `threads` workers: libdispatch runs no more than the cores.
    public static func concurrentThreads(_ threads: Int) -> Int { max(1, min(threads, Parallel.availableCores)) }

    /// Address space the engine's threads map beside the plan's buffers: an OpenBLAS buffer for
    /// each thread running at once and one for the caller's thread, their stacks and arenas.
    public static func threadAddressSpace(threads: Int) -> Int {
        let running = concurrentThreads(threads)
        return (running + 1) * openBLASAddressSpacePerThread
            + running * (stackAddressSpacePerThread + arenaAddressSpacePerThread)
    }

    public static func mebibytes(_ bytes: Int) -> Int { (bytes + (1 << 20) - 1) >> 20 }

    /// Bytes of physical memory the process can still use: the kernel's MemAvailable, less what
    /// the process's cgroup allows beyond its usage, if that is smaller. Nil when unknown.
    public static func availableResident() -> Int? {
        var best = meminfo("MemAvailable:")
        if let limit = readNumber("/sys/fs/cgroup/memory.max"),
            let used = readNumber("/sys/fs/cgroup/memory.current")
        {
            best = min(best ?? .max, max(0, limit - used))
        }
        return best
    }

    /// glibc's `malloc_trim(0)`, looked up at run time (Swift's Glibc module does not declare
    /// <malloc.h>): gives freed heap memory back to the system. Without it, buffers freed after
    /// one stage can stay counted in the process's resident size through the next.
    public static func returnFreedMemory() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// Bytes of physical memory this process uses now (VmRSS).
    public static func currentResident() -> Int? { status("VmRSS:") }

    /// Bytes of address space left under RLIMIT_AS / RLIMIT_DATA (nil when unlimited).
    public static func availableAddressSpace() -> Int? {
        var best: Int? = nil
        for (resource, field) in [(RLIMIT_AS, "VmSize:"), (RLIMIT_DATA, "VmData:")] {
            var limit = rlimit()
            guard getrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0,
                limit.rlim_cur != rlim_t.max
            else { continue }  // rlim_t.max: RLIM_INFINITY
            let used = status(field) ?? 0
            let left = max(0, Int(clamping: limit.rlim_cur) - used)
            best = min(best ?? .max, left)
        }
        return best
    }

    /// Throws `StyleError.outOfMemory` when `resident` bytes (plus `addressSpace` bytes mapped but
    /// barely touched) do not fit what this process can have. `what` names the work, `hint` what
    /// the user can change.
    /// `threads`: the address space is the engine's threads' (`threadAddressSpace`), named in
    /// the message when it drives the refusal.
    public static func require(
        resident: Int, addressSpace: Int = 0, threads: Int? = nil, what: String,
        hint: String
    ) throws {
        if let available = availableResident(), resident > available {
            throw StyleError.outOfMemory(
                "\(what) needs about \(mebibytes(resident)) MiB of memory and about \(mebibytes(available)) MiB is available; \(hint)"
            )
        }
        if let available = availableAddressSpace(), resident + addressSpace > available {
            var why = ""
            if let threads, resident <= available {
                why =
                    " (\(mebibytes(addressSpace)) MiB of it for \(concurrentThreads(threads)) thread\(concurrentThreads(threads) == 1 ? "" : "s")' OpenBLAS buffers and stacks: fewer threads, --threads or threads=, need less)"
            }
            throw StyleError.outOfMemory(
                "\(what) needs about \(mebibytes(resident + addressSpace)) MiB of address space\(why) and the process's limit (ulimit -v) leaves \(mebibytes(available)) MiB; \(hint)"
            )
        }
        // The figures above are arithmetic on /proc and the limits; the allocator is asked too,
        // for the whole amount at once, mapped and given back untouched (no RAM is used): a limit
        // or a strict overcommit policy that the arithmetic did not see refuses here, before any
        // of the work's own allocations, which would trap. The threads' address space is part of
        // it only under an address-space limit: without one, OpenBLAS's buffers are separate maps
        // that a heuristic overcommit grants one by one (on a 64-core host they add up to more
        // than many such machines' RAM, and a single map of that size would be refused).
        let limited = availableAddressSpace() != nil
        let (total, overflow) = resident.addingReportingOverflow(limited ? addressSpace : 0)
        guard !overflow, CheckedMemory.canMap(total) else {
            throw StyleError.outOfMemory(
                "\(what) needs about \(mebibytes(overflow ? .max : total)) MiB and the system refused that much memory; \(hint)"
            )
        }
    }

    // MARK: /proc and /sys

    private static func readFile(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A file holding one number ("max" or missing: nil).
    private static func readNumber(_ path: String) -> Int? {
        readFile(path).flatMap { Int($0.split(separator: "\n").first ?? "") }
    }

    /// A "Key:   123 kB" line of a /proc file, in bytes.
    private static func kilobyteField(_ path: String, _ key: String) -> Int? {
        guard let text = readFile(path) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let fields = line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            if let value = fields.first.flatMap({ Int($0) }) { return value * 1024 }
        }
        return nil
    }

    private static func meminfo(_ key: String) -> Int? { kilobyteField("/proc/meminfo", key) }
    private static func status(_ key: String) -> Int? { kilobyteField("/proc/self/status", key) }
}
