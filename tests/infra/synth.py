"""Synthesis as ``cdk deploy`` runs it: the project's pinned CDK CLI, with an account and a region set.

Each ``Variant`` is one ``cdk synth`` of the whole app into its own cloud assembly. The CLI runs
``python3 app.py`` (cdk.json) with ``CDK_DEFAULT_ACCOUNT`` / ``CDK_DEFAULT_REGION`` set, as it does for a
deploy, so the templates tests read are the ones a deploy would upload, cdk-nag findings included.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

ROOT = Path(__file__).resolve().parents[2]
CDK = ROOT / "node_modules" / ".bin" / "cdk"
SYNTH_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Variant:
    """One deployment shape: the environment and the ``-c`` context it is synthesized with."""

    name: str
    account: str | None
    region: str
    context: Mapping[str, Any] = field(default_factory=dict)

    def context_arguments(self) -> list[str]:
        """``-c key=value`` as a user would type them: lists and objects as JSON, booleans lower case."""
        arguments = []
        for key, value in self.context.items():
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, str):
                text = value
            else:
                text = json.dumps(value, separators=(",", ":"))
            arguments += ["-c", f"{key}={text}"]
        return arguments


def cli_environment(account: str | None, region: str) -> dict[str, str]:
    """The CLI's environment: no AWS credentials (nothing is looked up), the app's virtualenv first.

    The CLI sets ``CDK_DEFAULT_REGION`` for the app from the SDK's region (``AWS_REGION``, else the profile,
    else us-east-1), as for a deploy; ``CDK_DEFAULT_ACCOUNT`` it sets only from credentials, so without any
    it passes ours on.
    """
    environment = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "CDK_"))}
    environment.update(
        PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{environment.get('PATH', '')}",
        AWS_REGION=region,
        AWS_DEFAULT_REGION=region,
        CDK_DISABLE_CLI_TELEMETRY="true",
        AWS_EC2_METADATA_DISABLED="true",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        JSII_RUNTIME_PACKAGE_CACHE_ROOT=str(ROOT / ".cache" / "jsii"),
    )
    if account is not None:
        environment["CDK_DEFAULT_ACCOUNT"] = account
    return environment


class SynthError(AssertionError):
    """``cdk synth`` failed; the message carries what the CLI printed."""


def cli_synth(arguments: Iterable[str], outdir: Path, *, account: str | None, region: str) -> Path:
    """Run ``cdk synth --output outdir`` with ``arguments``; the cloud assembly directory."""
    command = [str(CDK), "synth", "--quiet", "--no-notices", "--output", str(outdir), *arguments]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=cli_environment(account, region),
        capture_output=True,
        text=True,
        timeout=SYNTH_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise SynthError(
            f"{' '.join(command[1:])} (account {account}, region {region}) exited {result.returncode}:\n"
            f"{result.stderr[-6000:]}{result.stdout[-2000:]}"
        )
    return outdir


@dataclass(frozen=True)
class SynthesizedStack:
    """One stack's template as the CLI wrote it, with its resources found by construct path."""

    name: str
    variant: Variant
    document: Mapping[str, Any]

    @property
    def template(self) -> Template:
        return Template.from_json(dict(self.document))

    @property
    def resources(self) -> Mapping[str, Any]:
        resources: Mapping[str, Any] = self.document["Resources"]
        return resources

    def id(self, path: str) -> str:
        """The logical id of the resource at construct ``path`` below the stack (``Ledger/Table``).

        ``path`` may name the CloudFormation resource itself or the construct whose default child it is.
        """
        wanted = {f"{self.name}/{path}", f"{self.name}/{path}/Resource", f"{self.name}/{path}/Default"}
        found = [
            logical_id
            for logical_id, resource in self.resources.items()
            if resource.get("Metadata", {}).get("aws:cdk:path") in wanted
        ]
        if len(found) != 1:
            raise KeyError(f"{self.name}: {len(found)} resources at construct path {path!r}")
        return found[0]

    def properties(self, path: str) -> Mapping[str, Any]:
        properties: Mapping[str, Any] = self.resources[self.id(path)].get("Properties", {})
        return properties

    def has(self, path: str) -> bool:
        try:
            self.id(path)
        except KeyError:
            return False
        return True


@dataclass(frozen=True)
class Assembly:
    """A cloud assembly the CLI synthesized for a variant."""

    variant: Variant
    directory: Path

    def stack_names(self) -> list[str]:
        return sorted(
            path.name.removesuffix(".template.json") for path in self.directory.glob("*.template.json")
        )

    def template_paths(self) -> list[Path]:
        return sorted(self.directory.glob("*.template.json"))

    def stack(self, name: str) -> SynthesizedStack:
        path = self.directory / f"{name}.template.json"
        if not path.exists():
            raise KeyError(f"variant {self.variant.name!r} has no stack {name} (it has {self.stack_names()})")
        return SynthesizedStack(name=name, variant=self.variant, document=json.loads(path.read_text()))


def synthesize(variants: Iterable[Variant], root: Path) -> dict[str, Assembly]:
    """Every variant synthesized at once (each ``cdk synth`` is a separate process), by variant name."""
    variants = list(variants)

    def run(variant: Variant) -> Assembly:
        directory = cli_synth(
            variant.context_arguments(), root / variant.name, account=variant.account, region=variant.region
        )
        return Assembly(variant=variant, directory=directory)

    with ThreadPoolExecutor(max_workers=len(variants) or 1) as pool:
        return {assembly.variant.name: assembly for assembly in pool.map(run, variants)}


_session_assemblies: dict[str, Assembly] = {}


def session_assemblies(variants: Iterable[Variant], root: Path) -> dict[str, Assembly]:
    """``synthesize`` each variant once per test session, whichever test folder asks first.

    A variant already synthesized is reused; those not yet are synthesized together into ``root``.
    """
    variants = list(variants)
    missing = [variant for variant in variants if variant.name not in _session_assemblies]
    if missing:
        _session_assemblies.update(synthesize(missing, root))
    return {variant.name: _session_assemblies[variant.name] for variant in variants}
