"""Printing results: readable tables and key-value blocks, or one JSON document with ``--json``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

EMPTY = "-"


def print_json(document: Any, stream: TextIO | None = None) -> None:
    """One JSON document (sorted keys, indented) on stdout."""
    print(json.dumps(document, indent=2, sort_keys=True, default=str), file=stream or sys.stdout)


def text(value: Any) -> str:
    """A value as a table cell: lists joined, nothing shown as ``-``."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def table(columns: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, Any]]) -> str:
    """A plain-text table; ``columns`` are (heading, key) pairs, widths fit the longest cell."""
    cells = [[text(row.get(key)) for _, key in columns] for row in rows]
    headings = [heading for heading, _ in columns]
    widths = [
        max([len(heading)] + [len(line[index]) for line in cells]) for index, heading in enumerate(headings)
    ]
    lines = [headings, *cells]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def details(pairs: Sequence[tuple[str, Any]]) -> str:
    """``Label  value`` lines, labels aligned; values spanning lines are indented under the first."""
    width = max(len(label) for label, _ in pairs)
    lines = []
    for label, value in pairs:
        first, *rest = text(value).splitlines() or [EMPTY]
        lines.append(f"{label.ljust(width)}  {first}")
        lines.extend(f"{' ' * width}  {line}" for line in rest)
    return "\n".join(lines)


def add_json_option(parser: argparse.ArgumentParser) -> None:
    """``--json``, accepted before or after the command (see ``wants_json``)."""
    parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document on stdout"
    )


def wants_json(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "json", False))
