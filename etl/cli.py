"""The ``python -m etl`` command line: subcommands registered by modules, one line each.

A module that adds subcommands defines ``COMMANDS = [Command(...), ...]`` and is listed
once in ``etl.__main__.COMMAND_MODULES``. A command's ``run(args)`` returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    """A command without options."""


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, one-line help, how to add its options, and what it runs."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    configure: Callable[[argparse.ArgumentParser], None] = _no_arguments


def load_commands(module_names: Iterable[str]) -> list[Command]:
    """The ``COMMANDS`` of every listed module, in order; a repeated name is an error."""
    commands: list[Command] = []
    for name in module_names:
        commands += list(importlib.import_module(name).COMMANDS)
    names = [c.name for c in commands]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"etl subcommands registered twice: {repeated}")
    return commands


def build_parser(commands: list[Command]) -> argparse.ArgumentParser:
    """An argparse parser with one subparser per command."""
    parser = argparse.ArgumentParser(prog="python -m etl", description="Atlas PVIGM data: the store and its sources.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for command in commands:
        command.configure(sub.add_parser(command.name, help=command.help, description=command.help))
    return parser


def main(module_names: Iterable[str], argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; returns its exit code."""
    commands = load_commands(module_names)
    args = build_parser(commands).parse_args(argv)
    return next(c for c in commands if c.name == args.command).run(args)
