"""Lambda entry points: each reads its settings once, creates its clients once, and hands the event on.

Loading boto3 and its service models allocates a great many objects and frees almost none, so
the garbage collector's passes during that load are pure cost (about a sixth of a handler's
cold start, measured by ``bench.benchmark``). Collection is paused while the package and a
handler module load, and every handler module resumes it as its last statement with
``lakegate.core.observability.loaded()``.
"""

import gc

gc.disable()
