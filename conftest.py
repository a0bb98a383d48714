"""Settings for the whole test run (pytest loads this file first, before numpy).

One BLAS thread, for this process and every kernel and subprocess it starts
(nbval's kernels, the grader's workers, the CLI): the course's matrices are small,
so extra BLAS threads gain nothing and, on a shared 2-core machine, spin against
each other and slow training 20-40x. One thread also makes float results, and so the
outputs stored in the notebooks, independent of the machine's number of cores.
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
