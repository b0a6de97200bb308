"""lakegate benchmarks; run ``python -m bench.benchmark`` from the repository root.

Importing the package makes the repository root and ``lambdas/`` importable, so the benchmark
loads ``lakegate_offline``, ``lakegate.core.manifest`` and ``lakegate`` exactly as the tests and the Lambda
runtime do.
"""

import sys as _sys
from pathlib import Path as _Path

_ROOT = _Path(__file__).resolve().parent.parent
for _entry in (str(_ROOT / "lambdas"), str(_ROOT)):
    if _entry not in _sys.path:
        _sys.path.insert(0, _entry)
