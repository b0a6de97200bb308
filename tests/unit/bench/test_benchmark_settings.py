"""The benchmark's cold-start runs can load every handler: it has a value for every setting they read."""

from bench.benchmark import DUMMY_SETTINGS
from lakegate.core import manifest


def test_the_cold_start_benchmark_has_a_value_for_every_function_setting() -> None:
    read = {name for spec in manifest.FUNCTIONS for name in spec.environment}
    assert read <= set(DUMMY_SETTINGS)
