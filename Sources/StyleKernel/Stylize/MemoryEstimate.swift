#if canImport(Glibc)
import Glibc
#endif

/// What a piece of work needs against what this process can still have, checked before the work
/// starts: on Linux an allocation rarely fails — the kernel's out-of-memory killer ends the whole
/// process instead, or, under an address-space limit, OpenBLAS spins in its allocator — so the
/// only safe refusal is one made up front, from the plan's own figures.
public enum MemoryEstimate {
    /// OpenBLAS maps one buffer per calling thread on its first call (0.3.21 on x86_64: 128 MiB
    /// of address space, of which only the packing area is touched): address space, not RAM.
    static let openBLASAddressSpacePerThread = 128 << 20
    /// What OpenBLAS's buffers and the threads' stacks really touch, per thread (measured: a few
    /// MiB; rounded up).
    static let residentPerThread = 16 << 20

    public static func mebibytes(_ bytes: Int) -> Int { (bytes + (1 << 20) - 1) >> 20 }

    /// Bytes of physical memory the process can still use: the kernel's MemAvailable, less what
    /// the process's cgroup allows beyond its usage, if that is smaller. Nil when unknown.
    public static func availableResident() -> Int? {
        var best = meminfo("MemAvailable:")
        if let limit = readNumber("/sys/fs/cgroup/memory.max"),
           let used = readNumber("/sys/fs/cgroup/memory.current") {
            best = min(best ?? .max, max(0, limit - used))
        }
        return best
    }

    /// Bytes of address space left under RLIMIT_AS / RLIMIT_DATA (nil when unlimited).
    public static func availableAddressSpace() -> Int? {
        var best: Int? = nil
        for (resource, field) in [(RLIMIT_AS, "VmSize:"), (RLIMIT_DATA, "VmData:")] {
            var limit = rlimit()
            guard getrlimit(__rlimit_resource_t(resource.rawValue), &limit) == 0,
                  limit.rlim_cur != rlim_t.max else { continue }  // rlim_t.max: RLIM_INFINITY
            let used = status(field) ?? 0
            let left = max(0, Int(clamping: limit.rlim_cur) - used)
            best = min(best ?? .max, left)
        }
        return best
    }

    /// Throws `StyleError.outOfMemory` when `resident` bytes (plus `addressSpace` bytes mapped but
    /// barely touched) do not fit what this process can have. `what` names the work, `hint` what
    /// the user can change.
    public static func require(resident: Int, addressSpace: Int = 0, what: String, hint: String) throws {
        if let available = availableResident(), resident > available {
            throw StyleError.outOfMemory(
                "\(what) needs about \(mebibytes(resident)) MiB of memory and about \(mebibytes(available)) MiB is available; \(hint)")
        }
        if let available = availableAddressSpace(), resident + addressSpace > available {
            throw StyleError.outOfMemory(
                "\(what) needs about \(mebibytes(resident + addressSpace)) MiB of address space and the process's limit (ulimit -v) leaves \(mebibytes(available)) MiB; \(hint)")
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
