import StyleKernel
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What an `sf_context*` points to: a loaded model's engine, the path it came from, the last
/// error message, and a lock that serialises calls on the context (see `serialized`).
final class Context: @unchecked Sendable {
    static let messageCapacity = 2048

    let engine: StyleEngine
    /// strdup'd, freed in deinit.
    let modelPath: UnsafeMutablePointer<CChar>?
    /// A fixed NUL-terminated buffer, so a pointer handed out stays valid memory for the context's
    /// whole life (its text changes with the next failing call).
    let message: UnsafeMutablePointer<CChar>
    let calls = Mutex<Void>(())
    /// The thread inside `serialized` (its `threadID`), 0 when none. Only that thread stores its
    /// own id (after taking `calls`) and clears it (before releasing), so a thread that reads
    /// back its own id is inside its own call: it is the progress callback calling in again.
    /// Other threads may read a stale value, but never their own id, so they just wait.
    private let owner = Atomic<UInt>(0)

    init(engine: StyleEngine, modelPath: String) {
        self.engine = engine
        self.modelPath = strdup(modelPath)
        message = .allocate(capacity: Self.messageCapacity)
        message.initialize(repeating: 0, count: Self.messageCapacity)
    }

    deinit {
        free(modelPath)
        message.deallocate()
    }

    /// Records a failure message (truncated at a UTF-8 boundary to fit the buffer).
    func setMessage(_ text: String) {
        var bytes = Array(text.utf8)
        if bytes.count >= Self.messageCapacity {
            var n = Self.messageCapacity - 1
            while n > 0 && (bytes[n] & 0xC0) == 0x80 { n -= 1 }  // not inside a UTF-8 sequence
            bytes.removeSubrange(n...)
        }
        for (i, b) in bytes.enumerated() { message[i] = CChar(bitPattern: b) }
        message[bytes.count] = 0
    }

    func clearMessage() { message[0] = 0 }

    /// This thread's identity for `owner` (never 0: pthread_t is a non-null handle).
    private static func threadID() -> UInt {
        #if canImport(Glibc)
            return UInt(pthread_self())
        #else
            return UInt(bitPattern: pthread_self())
        #endif
    }

    /// True on the thread that is running a call on this context, i.e. from inside that call's
    /// progress callback.
    var isCallingThread: Bool { owner.load(ordering: .relaxed) == Self.threadID() }

    /// Runs `body` with the context to itself: calls from other threads wait for it. Returns nil
    /// without running `body` when this thread is already inside a call on this context (from
    /// the progress callback), which waiting would turn into a deadlock (Mutex traps instead).
    func serialized<R>(_ body: () -> R) -> R? {
        let me = Self.threadID()
        if owner.load(ordering: .relaxed) == me { return nil }
        return calls.withLock { _ -> R in
            owner.store(me, ordering: .relaxed)
            defer { owner.store(0, ordering: .relaxed) }
            return body()
        }
    }
}

/// The live handles of one kind (`contexts`, `sequences`), so that a stale or foreign pointer passed
/// to the API is refused instead of dereferenced (best effort: a freed address reused by a new
/// handle cannot be told apart).
final class Registry<Handle: AnyObject & Sendable>: Sendable {
    private let live = Mutex<Set<UInt>>([])

    func add(_ handle: Handle) -> OpaquePointer {
        let pointer = Unmanaged.passRetained(handle).toOpaque()
        _ = live.withLock { $0.insert(UInt(bitPattern: pointer)) }
        return OpaquePointer(pointer)
    }

    /// The handle behind a pointer, retained for the duration of the call, or nil.
    func lookup(_ pointer: OpaquePointer?) -> Handle? {
        guard let pointer else { return nil }
        let raw = UnsafeRawPointer(pointer)
        return live.withLock { set -> Handle? in
            guard set.contains(UInt(bitPattern: raw)) else { return nil }
            return Unmanaged<Handle>.fromOpaque(raw).takeUnretainedValue()
        }
    }

    /// Removes the pointer and drops the registry's reference; false if it was not live.
    func remove(_ pointer: OpaquePointer) -> Bool {
        let raw = UnsafeRawPointer(pointer)
        let removed = live.withLock { $0.remove(UInt(bitPattern: raw)) != nil }
        if removed { Unmanaged<Handle>.fromOpaque(raw).release() }
        return removed
    }
}

/// Every live `sf_context`.
let contexts = Registry<Context>()
