import Dispatch
import Synchronization

/// The engine's own loops over a fixed number of workers. Loops whose items are independent
/// (convolution phases, GEMM pieces, pooling, ReLU) hand out pieces dynamically (`forEachPiece`),
/// which keeps both cores busy when the machine steals time from one of them; reductions sum
/// fixed chunks in a fixed order (`Reductions`). Neither depends on the thread count, so a
/// stylization gives the same bytes with any number of threads (`DeterminismTests`).
public struct Parallel: Sendable {
    public let threads: Int

    public init(threads: Int) { self.threads = max(1, threads) }

    /// Cores available to this process.
    public static var availableCores: Int {
        max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    /// Runs `body` over `0..<count` split into at most `threads` contiguous ranges.
    /// Small jobs (below `minimumPerThread` items per worker) run inline.
    public func forEach(
        _ count: Int, minimumPerThread: Int = 1,
        _ body: (Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let workers = min(threads, max(1, count / max(1, minimumPerThread)))
        if workers == 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            // The ranges are disjoint; callers write only inside their own range.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = count * w / workers, hi = count * (w + 1) / workers
                if lo < hi { shared.value(lo..<hi) }
            }
        }
    }

    /// Runs `body` over `0..<count` in pieces of `piece` items that the workers take in turn from
    /// a shared counter, so a worker slowed by another process on the machine does not hold up
    /// the others (a fixed split waits for its slowest half). Only for bodies whose result for an
    /// index does not depend on which worker runs it — convolution, pooling and ReLU loops — so the
    /// bits equal a sequential loop's; reductions keep `forEach`'s fixed split.
    public func forEachPiece(_ count: Int, piece: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let piece = max(1, piece)
        let workers = min(threads, (count + piece - 1) / piece)
        if workers == 1 {
            body(0..<count)
            return
        }
        let next = PieceCounter()
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let lo = next.value.add(piece, ordering: .relaxed).oldValue
                    if lo >= count { break }
                    shared.value(lo..<min(count, lo + piece))
                }
            }
        }
    }
}

/// The next unclaimed index of a `forEachPiece` loop.
private final class PieceCounter: Sendable {
    let value = Atomic<Int>(0)
}
#if canImport(Glibc)
    import Glibc
#endif

/// Hands a value to concurrent workers that the caller knows use it safely.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
