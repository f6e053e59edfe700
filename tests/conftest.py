"""Shared test settings.

One thread per BLAS / torch pool: CI has 2 cores, and several libraries each
starting a pool per core slows small problems by an order of magnitude.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
