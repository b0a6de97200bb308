"""Shared permissions: which granted requests hold each Lake Formation permission of a grantee.

Lake Formation keeps one permission per (principal, resource, permission): two granted requests for
the same table and grantee hold one permission between them, and revoking it for one removes it for
both. lakegate therefore counts holders. A permission is split into atoms, the smallest parts Lake
Formation grants and revokes apart: one permission on a database, on all tables of a database or on a
table, or SELECT on one column. A request grants only the atoms no other granted request holds, and
revoking a request removes only the atoms no other granted request still holds.

Holders are read from the ledger (GRANTED records of the same consumer account, read consistently).
Each side re-reads after its own ledger write, so a grant and a revocation racing on a shared atom
cannot leave the ledger saying GRANTED while Lake Formation holds nothing: whichever reads second sees
the other's write and grants the atom again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from lakegate.ledger.record import KEY
from lakegate.ledger.status import Status
from lakegate.ledger.store import Ledger
from lakegate.requests.model import AccessRequest
from lakegate.workflow.grants import Grant

# (principal, resource, permission): one thing Lake Formation grants and revokes on its own.
Atom = tuple[str, str, str]
_HOLDER_FIELDS = (KEY, "status", "grants", "request")


def resource_key(resource: Mapping[str, object]) -> list[str]:
    """The keys of the resource's atoms: one for a database or table, one per column of columns."""
    if "Database" in resource:
        return [f"database:{_name(resource['Database'], 'Name')}"]
    if "TableWithColumns" in resource:
        spec = resource["TableWithColumns"]
        assert isinstance(spec, Mapping)
        table = f"{spec['DatabaseName']}.{spec['Name']}"
        return [f"column:{table}.{column}" for column in spec["ColumnNames"]]
    spec = resource["Table"]
    assert isinstance(spec, Mapping)
    if "TableWildcard" in spec:
        return [f"tables:{spec['DatabaseName']}"]
    return [f"table:{spec['DatabaseName']}.{spec['Name']}"]


def _name(spec: object, key: str) -> str:
    assert isinstance(spec, Mapping)
    return str(spec[key])


def atoms_of(grant: Grant) -> list[Atom]:
    return [
        (grant.principal, resource, permission)
        for resource in resource_key(grant.resource)
        for permission in grant.permissions
    ]


def narrowed(grant: Grant, atoms: Iterable[Atom]) -> Grant | None:
    """The part of ``grant`` made of ``atoms`` (a subset of its own), or None when that is nothing."""
    keep = set(atoms) & set(atoms_of(grant))
    if not keep:
        return None
    if "TableWithColumns" in grant.resource:
        spec = grant.resource["TableWithColumns"]
        prefix = f"column:{spec['DatabaseName']}.{spec['Name']}."
        columns = [
            column for column in spec["ColumnNames"] if (grant.principal, prefix + column, "SELECT") in keep
        ]
        return replace(grant, resource={"TableWithColumns": {**spec, "ColumnNames": columns}})
    permissions = tuple(p for p in grant.permissions if any(atom[2] == p for atom in keep))
    return replace(
        grant, permissions=permissions, grantable=tuple(p for p in grant.grantable if p in permissions)
    )


@dataclass(frozen=True)
class SharedPart:
    """Part of a request's grants that other granted requests hold too."""

    grant: Grant
    held_by: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"grant": self.grant.describe(), "held_by": list(self.held_by)}


@dataclass(frozen=True)
class Holdings:
    """Which other granted requests hold each atom of a request's grantee."""

    by_atom: Mapping[Atom, tuple[str, ...]]

    def split(self, grants: Iterable[Grant]) -> tuple[list[Grant], list[SharedPart]]:
        """The parts of ``grants`` nobody else holds, and the parts others hold (with who holds them)."""
        alone: list[Grant] = []
        shared: list[SharedPart] = []
        for grant in grants:
            atoms = atoms_of(grant)
            unheld = narrowed(grant, [atom for atom in atoms if not self.by_atom.get(atom)])
            if unheld is not None:
                alone.append(unheld)
            held = [atom for atom in atoms if self.by_atom.get(atom)]
            for holders in sorted({self.by_atom[atom] for atom in held}):
                part = narrowed(grant, [atom for atom in held if self.by_atom[atom] == holders])
                if part is not None:
                    shared.append(SharedPart(part, holders))
        return alone, shared


def holdings(request: AccessRequest, *, request_id: str, ledger: Ledger) -> Holdings:
    """Who holds each atom of ``request``'s grantee among the other GRANTED requests.

    A Scan of the ledger filtered on status and consumer account (the ledger has no index yet),
    read consistently so a write made just before is seen.
    """
    by_atom: dict[Atom, set[str]] = {}
    records = ledger.scan(
        equal_to={"status": Status.GRANTED.value, "consumer_account": request.consumer_account},
        fields=_HOLDER_FIELDS,
        consistent=True,
    )
    for record in records:
        if record[KEY] == request_id:
            continue
        for data in record.get("grants", []):
            grant = Grant.from_dict(data)
            if grant.principal != request.grantee:
                continue
            for atom in atoms_of(grant):
                by_atom.setdefault(atom, set()).add(record[KEY])
    return Holdings({atom: tuple(sorted(ids)) for atom, ids in by_atom.items()})
