import CAllocator

/// Keeps large freed arrays in the process heap instead of returning them to the system at once.
///
/// glibc serves allocations above its mmap threshold (128 KiB, raised dynamically up to 32 MiB) by `mmap` and unmaps
/// them on free, so a loop that allocates and frees arrays of 10⁵–10⁶ doubles page-faults on every fresh array
/// (measured: 16 % of the optimal verifier's setup at V = 152,064 and a third of the max-flow route's time at
/// V = 300 went to page faults). With the threshold at 32 MiB and the trim threshold at 128 MiB, such arrays are
/// reused from the heap: the flow route at V = 300 drops from ~32 to ~22 ms, the verifier setup by ~15 %, the dual
/// scan by ~15 %. The cost is up to 128 MiB of freed memory the process keeps.
///
/// A process-wide setting: the `multidraft` command and the experiment executables call it once at start;
/// libraries never do. A no-op where the C library is not glibc.
/// - Returns: whether the settings were applied.
@discardableResult
package func tuneAllocatorForLargeArrays() -> Bool {
    multidraft_tune_allocator(32 << 20, 128 << 20) == 1
}
