"""The ``lakegate`` command line: argument parsing, dispatch, and errors as one line with an exit code.

Each command group is a module with a ``register(subparsers)`` function that adds its parser and
sets ``func`` (``func(args) -> int``); ``COMMANDS`` lists them. Modules import only the standard
library, boto3 and lakegate's own light modules at load, so starting the CLI stays quick; a
command needing more (the sandbox: moto) imports it when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from botocore.exceptions import BotoCoreError, ClientError

from lakegate_cli import audit, decide, doctor, listing, request, status
from lakegate_cli.connection import add_connection_options
from lakegate_cli.errors import FAILED, INTERRUPTED, USAGE, CliError, from_aws_error
from lakegate_cli.render import add_json_option, print_json, wants_json
from lakegate_sandbox import cli as sandbox_cli

Subparsers = Any  # argparse's _SubParsersAction, private in typeshed's eyes
Register = Callable[[Subparsers], None]

# The command groups, in the order `lakegate --help` lists them; `lakegate_sandbox.cli.register` joins them.
COMMANDS: list[Register] = [
    request.register,
    status.register,
    listing.register,
    decide.register,
    audit.register,
    doctor.register,
    sandbox_cli.register,
]
DEBUG_VARIABLE = "LAKEGATE_DEBUG"  # set to 1 to see the traceback of an unexpected error


class Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line (exit code 2), pointing at ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: {message} (see: {self.prog} --help)\n")


def build_parser() -> Parser:
    parser = Parser(
        prog="lakegate",
        description="Ask for, follow and decide governed Lake Formation data-sharing requests.",
        epilog="Connection options may also follow the command. Exit codes: 0 ok, 1 the operation failed "
        "or was refused, 2 usage or invalid request, 3 AWS could not be reached or is not set up.",
    )
    add_connection_options(parser)
    add_json_option(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in COMMANDS:
        register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one lakegate command; the return value is the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error already printed by argparse
        return stop.code if isinstance(stop.code, int) else USAGE
    try:
        code: int = args.func(args)
    except CliError as error:
        return _report(error, args)
    except (BotoCoreError, ClientError) as error:
        return _report(from_aws_error(error), args)
    except KeyboardInterrupt:
        print("lakegate: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # the reader went away (`lakegate list | head`): stop quietly
        sys.stderr.close()
        return 0
    except Exception as error:  # the last resort: one line instead of a traceback
        if os.environ.get(DEBUG_VARIABLE):
            raise
        message = (
            f"unexpected error: {type(error).__name__}: {error} (set {DEBUG_VARIABLE}=1 for the traceback)"
        )
        return _report(CliError(message, FAILED), args)
    return code


def _report(error: CliError, args: argparse.Namespace) -> int:
    if wants_json(args):
        print_json(error.document)
    print(f"lakegate: {error.message}", file=sys.stderr)
    return error.exit_code
