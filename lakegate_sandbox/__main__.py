"""`python -m lakegate_sandbox` is `lakegate sandbox`: start the sandbox, or `info` about a running one."""

import argparse
import sys

from lakegate_sandbox.cli import register


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lakegate_sandbox")
    commands = parser.add_subparsers(dest="command", required=True)
    register(commands)
    arguments = parser.parse_args(["sandbox", *(sys.argv[1:] if argv is None else argv)])
    result: int = arguments.func(arguments)
    return result


if __name__ == "__main__":
    sys.exit(main())
