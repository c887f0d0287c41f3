#ifndef MULTIDRAFT_CALLOCATOR_H
#define MULTIDRAFT_CALLOCATOR_H

/// Raises glibc's mmap and trim thresholds (bytes) so that large freed blocks are reused from the heap; returns 1
/// when both settings were applied, 0 otherwise (not glibc, or refused).
int multidraft_tune_allocator(int mmap_threshold, int trim_threshold);

#endif
