import StyleKernel

#if canImport(Glibc)
    import Glibc
#endif

/// The C API's status codes (stylefilter.h's `sf_status`), as Int32 so every export returns a
/// plain C `int`.
enum Status: Int32, CaseIterable {
    case ok = 0
    case invalidArgument = 1
    case modelNotFound = 2
    case invalidModel = 3
    case io = 4
    case cancelled = 5
    case numerical = 6
    case outOfMemory = 7
    case `internal` = 8

    var name: String {
        switch self {
        case .ok: return "SF_OK"
        case .invalidArgument: return "SF_INVALID_ARGUMENT"
        case .modelNotFound: return "SF_MODEL_NOT_FOUND"
        case .invalidModel: return "SF_INVALID_MODEL"
        case .io: return "SF_IO"
        case .cancelled: return "SF_CANCELLED"
        case .numerical: return "SF_NUMERICAL"
        case .outOfMemory: return "SF_OUT_OF_MEMORY"
        case .internal: return "SF_INTERNAL"
        }
    }
}

/// A failure at the boundary: a status and the message the caller reads back.
struct Failure: Error {
    var status: Status
    var message: String

    init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    static func invalid(_ message: String) -> Failure { Failure(.invalidArgument, message) }

    /// `body`'s value, or what it threw as a status (`init(_:)`).
    static func mapping<T>(_ body: () throws -> T) throws(Failure) -> T {
        do { return try body() } catch { throw Failure(error) }
    }

    /// Maps anything thrown below the boundary to a status.
    init(_ error: any Error) {
        switch error {
        case let f as Failure: self = f
        case let e as StyleError:
            switch e {
            case .invalidArgument(let m): self.init(.invalidArgument, m)
            case .modelNotFound(let m): self.init(.modelNotFound, m)
            case .invalidModel(let m): self.init(.invalidModel, m)
            case .io(let m): self.init(.io, m)
            case .cancelled: self.init(.cancelled, "cancelled by the progress callback")
            case .numerical(let m): self.init(.numerical, m)
            case .outOfMemory(let m): self.init(.outOfMemory, m)
            case .internal(let m): self.init(.internal, m)
            }
        default:
            self.init(.internal, "internal error: \(error)")
        }
    }
}

/// Static C strings (names, version) allocated once and never freed.
/// (Written once by the thread-safe lazy initialisation of globals, only read afterwards.)
enum StaticCStrings {
    nonisolated(unsafe) static let statusNames: [UnsafeMutablePointer<CChar>?] = Status.allCases.map { strdup($0.name) }
    nonisolated(unsafe) static let unknownStatus: UnsafeMutablePointer<CChar>? = strdup("SF_UNKNOWN_STATUS")
    nonisolated(unsafe) static let empty: UnsafeMutablePointer<CChar>? = strdup("")
    nonisolated(unsafe) static let invalidContext: UnsafeMutablePointer<CChar>? = strdup("not a live sf_context")
    nonisolated(unsafe) static let version: UnsafeMutablePointer<CChar>? =
        strdup(StyleFilterVersion.string)
}

/// The thread-local "last error" for failures without a (valid) context: one malloc'd C string
/// per thread, freed when the thread exits or the next failure replaces it.
enum ThreadError {
    private final class Key: @unchecked Sendable {
        var key = pthread_key_t()
        let ok: Bool
        init() {
            ok = pthread_key_create(&key, { pointer in free(pointer) }) == 0
        }
    }
    private static let shared = Key()

    static func set(_ message: String) {
        guard shared.ok else { return }
        let old = pthread_getspecific(shared.key)
        let new = strdup(message)
        if pthread_setspecific(shared.key, new) == 0 {
            free(old)
        } else {
            free(new)
        }
    }

    static var current: UnsafePointer<CChar>? {
        guard shared.ok, let p = pthread_getspecific(shared.key) else { return nil }
        return UnsafePointer(p.assumingMemoryBound(to: CChar.self))
    }
}
