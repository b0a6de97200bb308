"""Printing results: readable tables and key-value blocks, or one JSON document with ``--json``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
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
    headings = [heading for heading, _ in columns]
    return aligned([headings, *([text(row.get(key)) for _, key in columns] for row in rows)])


def aligned(lines: Sequence[Sequence[str]], *, right: Collection[int] = (), rule: bool = False) -> str:
    """Lines of cells in columns as wide as their longest cell; columns in ``right`` right-aligned.

    With ``rule``, a line of dashes follows the first line (the headings).
    """
    widths = [max(len(line[index]) for line in lines) for index in range(len(lines[0]))]

    def joined(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    shown = [joined(line) for line in lines]
    if rule:
        shown.insert(1, joined(["-" * width for width in widths]))
    return "\n".join(shown)


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
