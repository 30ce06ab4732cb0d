"""The shell: Telegram, the database, the clock, the command line."""

import os

# One BLAS thread for the learned screener's numpy: its matrices are small, and a BLAS
# thread pool on a busy machine spins against other processes (measured 4-5 times slower
# than one thread). numpy reads this when it loads, so it is set before anything imports it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
