"""Section 2 of the benchmark: the Glue calls of a whole-database request, on moto and paged by a Stubber."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import botocore.session
from botocore.model import OperationModel
from botocore.stub import Stubber

from bench.common import REGION, mark, table
from bench.paths import PathRun
from lakegate.catalog.reader import TABLES_PER_PAGE, read_scope
from lakegate.requests.model import parse_request
from lakegate_offline.mesh import CONSUMER_ACCOUNT, PRODUCER_ACCOUNT


def catalog_read_target(tables: int) -> int:
    return 1 + math.ceil(tables / TABLES_PER_PAGE)


@dataclass
class CatalogReads:
    tables: int
    calls: Counter[str]
    page_sizes: list[int | None] = field(default_factory=list)
    tables_read: int | None = None
    error: str | None = None

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def met(self) -> bool:
        return self.error is None and self.total == catalog_read_target(self.tables)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "calls": dict(sorted(self.calls.items())),
            "total": self.total,
            "target": catalog_read_target(self.tables),
            "met": self.met,
        }
        if self.page_sizes:
            document["get_tables_max_results"] = self.page_sizes
        if self.tables_read is not None:
            document["tables_read"] = self.tables_read
        if self.error:
            document["error"] = self.error
        return document


def moto_catalog_reads(runs: Sequence[PathRun]) -> dict[int, CatalogReads]:
    """evaluate_request's Glue calls in the auto-share executions (served by moto)."""
    found: dict[int, CatalogReads] = {}
    for run in runs:
        if run.path != "auto-share":
            continue
        evaluate = run.handler_calls.get("evaluate_request", Counter())
        calls = Counter({name: count for name, count in evaluate.items() if name.startswith("glue.")})
        found[run.tables] = CatalogReads(tables=run.tables, calls=calls)
    return found


def _stub_table(database: str, name: str) -> dict[str, Any]:
    return {
        "Name": name,
        "DatabaseName": database,
        "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "string"}]},
        "PartitionKeys": [],
        "Parameters": {},
    }


def stubbed_catalog_reads(tables: int) -> CatalogReads:
    """read_scope against a Stubber serving pages of 100 tables chained by NextToken."""
    database = f"stubbed_{tables}"
    glue: Any = botocore.session.Session().create_client(
        "glue", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    result = CatalogReads(tables=tables, calls=Counter())

    def count(params: Mapping[str, Any], model: OperationModel, **_: Any) -> None:
        result.calls[f"glue.{model.name}"] += 1
        if model.name == "GetTables":
            result.page_sizes.append(params.get("MaxResults"))

    glue.meta.events.register("before-parameter-build.glue", count)
    stubber = Stubber(glue)
    stubber.add_response(
        "get_database", {"Database": {"Name": database, "Parameters": {"data_owner": PRODUCER_ACCOUNT}}}
    )
    names = [f"table_{index:04d}" for index in range(tables)]
    pages = [names[start : start + TABLES_PER_PAGE] for start in range(0, tables, TABLES_PER_PAGE)] or [[]]
    for number, page in enumerate(pages, start=1):
        response: dict[str, Any] = {"TableList": [_stub_table(database, name) for name in page]}
        if number < len(pages):
            response["NextToken"] = f"page-{number + 1}"
        stubber.add_response("get_tables", response)
    request = parse_request(
        {"source": {"database": database, "table": "*"}, "target": {"account_id": CONSUMER_ACCOUNT}},
        partition="aws",
    )
    try:
        with stubber:
            scope = read_scope(request, glue=glue)
            stubber.assert_no_pending_responses()
        result.tables_read = len(scope.tables)
    except Exception as error:  # a measurement, not a test: report what the code did
        result.error = f"{type(error).__name__}: {error}"
    return result


# ----- output ------------------------------------------------------------------------------------


def render_catalog(moto_reads: Mapping[int, CatalogReads], stubbed: Mapping[int, CatalogReads]) -> str:
    out = ["2. CATALOG READS — whole-database request of T tables; target 1 + ceil(T/100) calls", ""]
    rows = []
    for tables, stub in stubbed.items():
        on_moto = moto_reads.get(tables)
        moto_cell = "—"
        if on_moto is not None:
            # Not marked against the target: moto answers GetTables in one page whatever its size.
            moto_cell = (
                f"{on_moto.calls['glue.GetDatabase']} + {on_moto.calls['glue.GetTables']} = {on_moto.total}"
            )
        stub_cell = (
            f"{stub.calls['glue.GetDatabase']} + {stub.calls['glue.GetTables']} = {stub.total} "
            + mark(stub.met)
        )
        if stub.error:
            stub_cell += f" ({stub.error})"
        sizes = sorted({size for size in stub.page_sizes if size is not None})
        rows.append(
            [
                tables,
                catalog_read_target(tables),
                moto_cell,
                stub_cell,
                ", ".join(map(str, sizes)) or "—",
                "—" if stub.tables_read is None else stub.tables_read,
            ]
        )
    out.append(
        table(
            [
                "T",
                "target",
                "moto: GetDatabase + GetTables",
                "Stubber: GetDatabase + GetTables",
                "MaxResults sent",
                "tables read",
            ],
            rows,
            right=(0, 1, 5),
        )
    )
    out += [
        "",
        "moto ignores MaxResults on GetTables and returns every table in one page, so its count stays",
        "at 2 and is shown unmarked; the Stubber serves pages of 100 tables chained by NextToken, as Glue",
        "does: that column is the paging measured against the target.",
    ]
    return "\n".join(out)
