"""Shared Powertools settings and load-time helpers for the handlers."""

import gc

# lakegate reaches AWS only through boto3. Tracer patches every library X-Ray knows by default,
# importing `requests` and friends just to patch them; limiting it to botocore halves its load time.
TRACED_MODULES = ("botocore",)


def loaded() -> None:
    """Resume garbage collection once a handler module has loaded (paused by ``lakegate.handlers``)."""
    gc.enable()
