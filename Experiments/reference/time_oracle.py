"""Times the numpy reference oracle (a folder given on the command line) on .npy inputs, for the speed ratio against the
Swift toolkit. Usage: python3 time_oracle.py THEORY_REFERENCE_DIR P.npy Q.npy N [LAW ...]"""
import sys
import time

import numpy as np

sys.path.insert(0, sys.argv[1])
import optimal_acceptance_oracle as oracle  # noqa: E402

p = np.load(sys.argv[2]).astype(float)
q = np.load(sys.argv[3]).astype(float)
n = int(sys.argv[4])
laws = sys.argv[5:] or ["iid", "without-replacement"]
print("law,drafts,vocab,alpha,elapsed_ms")
for law in laws:
    qfun = oracle.Q_prefix_iid(list(q), n) if law == "iid" else oracle.Q_prefix_wor_integral(list(q), n)
    start = time.perf_counter()
    alpha = oracle.alpha_star_prefix(list(p), list(q), qfun)
    print(f"{law},{n},{len(p)},{alpha!r},{1000 * (time.perf_counter() - start):.1f}", flush=True)
