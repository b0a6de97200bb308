"""The README's deploy commands, read from its shell blocks, so the tests can synthesize exactly them.

The README writes the settings once, ``CONTEXT="-c key=value ..."``, and an optional part extends
them with ``CONTEXT="$CONTEXT -c ..."``; every ``cdk deploy`` (and ``cdk destroy``) line passes
``$CONTEXT``. Each distinct context becomes a ``Variant`` the CLI synthesizes.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from tests.infra.synth import ROOT, Variant

README = ROOT / "README.md"
# The region the README's bootstrap commands name; a third region next to the variants' two.
README_REGION = "eu-west-1"
_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)
_ASSIGNMENT = re.compile(r'^CONTEXT="(\$CONTEXT )?([^"]*)"$')
_CDK_COMMAND = re.compile(r"node_modules/\.bin/cdk (deploy|destroy)\b(.*)$")
_DEPLOY = re.compile(r"^node_modules/\.bin/cdk (?:deploy|destroy) (\w+) --profile (\w+) \$CONTEXT$")


@dataclass(frozen=True)
class DeployCommand:
    """One ``cdk deploy``/``destroy`` line of the README and the context it runs with."""

    line: str
    stack: str
    profile: str
    context: tuple[tuple[str, str], ...]


def _context_pairs(arguments: str) -> tuple[tuple[str, str], ...]:
    words = shlex.split(arguments)
    pairs = []
    for flag, setting in zip(words[::2], words[1::2], strict=True):
        if flag != "-c" or "=" not in setting:
            raise ValueError(f"README CONTEXT holds {flag} {setting!r}; only -c key=value belongs there")
        key, _, value = setting.partition("=")
        pairs.append((key, value))
    return tuple(pairs)


def deploy_commands(readme: Path = README) -> list[DeployCommand]:
    """Every ``cdk deploy``/``destroy`` line of the README's shell blocks, with its context.

    A line not written as ``node_modules/.bin/cdk deploy STACK --profile NAME $CONTEXT`` raises: a
    command the tests cannot synthesize must not be in the README.
    """
    text = readme.read_text(encoding="utf-8")
    blocks = [block.splitlines() for block in _BLOCK.findall(text)]
    base = [
        match.group(2)
        for lines in blocks
        for line in lines
        if (match := _ASSIGNMENT.match(line.strip())) and not match.group(1)
    ]
    if len(base) != 1:
        raise ValueError(f"the README must set CONTEXT once without $CONTEXT; it does {len(base)} times")
    commands = []
    for lines in blocks:
        context = _context_pairs(base[0])
        for raw in lines:
            line = raw.strip()
            assignment = _ASSIGNMENT.match(line)
            if assignment and assignment.group(1):
                context = _context_pairs(base[0]) + _context_pairs(assignment.group(2))
            if not _CDK_COMMAND.search(line):
                continue
            command = _DEPLOY.match(line.split("  #")[0].strip())
            if command is None:
                raise ValueError(
                    f"README command not in the tested form (cdk deploy STACK --profile P $CONTEXT): {line}"
                )
            commands.append(DeployCommand(line, command.group(1), command.group(2), context))
    return commands


def readme_variants(readme: Path = README) -> list[Variant]:
    """One variant per distinct context the README deploys with, for its central account."""
    variants: dict[tuple[tuple[str, str], ...], Variant] = {}
    for command in deploy_commands(readme):
        if command.context in variants:
            continue
        settings = dict(command.context)
        variants[command.context] = Variant(
            name=f"readme-{len(variants) + 1}",
            account=settings.get("central_account_id"),
            region=README_REGION,
            context=settings,
        )
    return list(variants.values())


def variant_of(command: DeployCommand, variants: list[Variant]) -> Variant:
    (variant,) = [variant for variant in variants if tuple(variant.context.items()) == command.context]
    return variant
