import Dispatch

/// The engine's own loops (im2col, ReLU masks, pooling, Gram gradients) split work statically
/// over a fixed number of workers, so results are bit-identical for a given thread count.
public struct Parallel: Sendable {
    public let threads: Int

    public init(threads: Int) { self.threads = max(1, threads) }

    /// Cores available to this process.
    public static var availableCores: Int {
        max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    /// Runs `body` over `0..<count` split into at most `threads` contiguous ranges.
    /// Small jobs (below `minimumPerThread` items per worker) run inline.
    public func forEach(_ count: Int, minimumPerThread: Int = 1,
                        _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = min(threads, max(1, count / max(1, minimumPerThread)))
        if workers == 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            // The ranges are disjoint; callers write only inside their own range.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = count * w / workers, hi = count * (w + 1) / workers
                if lo < hi { shared.value(lo..<hi) }
            }
        }
    }
}
#if canImport(Glibc)
import Glibc
#endif

/// Hands a value to concurrent workers that the caller knows use it safely.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
