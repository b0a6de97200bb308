"""Audit output: a readable table, or CSV and JSON for evidence packs (``--format``)."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lakegate_cli.render import print_json, table, text, wants_json

FORMATS = ("table", "csv", "json")


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="table (default) for reading; csv or json for evidence packs (--json is --format json)",
    )


def output_format(args: argparse.Namespace) -> str:
    """The chosen format: ``--format``, else json with ``--json``, else table."""
    chosen = getattr(args, "format", None)
    return str(chosen) if chosen else ("json" if wants_json(args) else "table")


def write_csv(columns: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, Any]]) -> None:
    """CSV on stdout: a header of the column keys, then one line per row (lists joined with "; ")."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([key for _, key in columns])
    for row in rows:
        writer.writerow([_cell(row.get(key)) for _, key in columns])


def emit(
    args: argparse.Namespace,
    *,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Mapping[str, Any]],
    document: Mapping[str, Any],
    empty: str,
) -> None:
    """Print ``rows`` as the chosen format; JSON prints ``document`` (which holds the rows in full)."""
    fmt = output_format(args)
    if fmt == "json":
        print_json(document)
    elif fmt == "csv":
        write_csv(columns, rows)
    elif rows:
        print(table(columns, rows))
    else:
        print(empty)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(text(item) for item in value)
    return str(value)
