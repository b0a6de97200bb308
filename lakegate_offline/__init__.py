"""lakegate on one machine: the real workflow on moto, with the project's handlers running in-process.

Used by the workflow tests, the offline demo and the benchmark. Nothing here re-implements
workflow logic: the state machine is the ASL file in ``statemachine/``, and every task runs the
handler the deployed Lambda function runs.
"""

import sys as _sys
from pathlib import Path as _Path

# The function code lives in lambdas/ (one Lambda asset); make it importable as it is in Lambda.
_LAMBDAS = str(_Path(__file__).resolve().parent.parent / "lambdas")
if _LAMBDAS not in _sys.path:
    _sys.path.insert(0, _LAMBDAS)
