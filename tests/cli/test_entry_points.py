"""How the command starts: `python -m lakegate_cli`, its help, and an import that stays light."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lakegate_cli.main import COMMANDS, build_parser
from tests.cli.conftest import Cli

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def run_python(*arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "lambdas")])}
    return subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, cwd=ROOT, env=environment, check=False
    )


def test_python_m_lakegate_cli_shows_every_command() -> None:
    result = run_python("-m", "lakegate_cli", "--help")

    assert result.returncode == 0, result.stderr
    for command in ("request", "status", "list", "approve", "deny", "sandbox"):
        assert f"    {command} " in result.stdout


def test_loading_the_cli_imports_neither_moto_nor_the_cdk_nor_powertools() -> None:
    probe = (
        "import sys, lakegate_cli.main; "
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'moto', 'aws_cdk', 'jsii', "
        "'aws_lambda_powertools', 'offline', 'flask', 'werkzeug'}))"
    )
    result = run_python("-c", probe)

    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr


def test_commands_register_through_one_list_that_a_new_group_can_join(cli: Cli) -> None:
    def register(subparsers: object) -> None:
        parser = subparsers.add_parser("hello", help="say hello")  # type: ignore[attr-defined]
        parser.set_defaults(func=lambda args: print("hello") or 0)

    COMMANDS.append(register)
    try:
        assert "hello" in build_parser().format_help()
        assert (cli("hello").code, cli("hello").out) == (0, "hello\n")
    finally:
        COMMANDS.remove(register)


def test_a_missing_command_is_a_one_line_usage_error(cli: Cli) -> None:
    result = cli()
    assert (result.code, result.err) == (
        2,
        "lakegate: the following arguments are required: COMMAND (see: lakegate --help)\n",
    )
