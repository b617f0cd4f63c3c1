"""rpkd: plan, target and monitor district poverty reduction."""

import os

# rpkd's matrices are small (a survey of about 1,000 households, a score of 18 covariates), so
# OpenBLAS's worker threads cost more than they bring, most on a shared or loaded machine: there
# one L-BFGS-B iteration of the small-area fits took 1 ms with them and 0.2 ms without
# (benchmarks/RESULTS.md, session 13). One BLAS thread unless the user chose otherwise. OpenBLAS
# reads this when numpy is first imported: the CLI and the web app import rpkd first.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
