"""The benchmark can load and attribute every handler: it has each setting they read and their folder."""

from pathlib import Path

from bench.cold_start import DUMMY_SETTINGS
from bench.common import HANDLERS_PREFIX
from lakegate.core import manifest


def test_the_cold_start_benchmark_has_a_value_for_every_function_setting() -> None:
    read = {name for spec in manifest.FUNCTIONS for name in spec.environment}
    assert read <= set(DUMMY_SETTINGS)


def test_api_calls_are_attributed_from_the_folder_that_holds_every_handler_module() -> None:
    for spec in manifest.FUNCTIONS:
        module = spec.handler.rsplit(".", 1)[0]
        assert (Path(HANDLERS_PREFIX) / (module.rsplit(".", 1)[1] + ".py")).is_file(), spec.handler
