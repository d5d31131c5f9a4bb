"""`--help` of every command shows every option's default (or that it is required), and
`--version` answers."""

from __future__ import annotations

import re

import click
import pytest
import typer
from typer.testing import CliRunner

from sourcesense import __version__
from sourcesense.cli import app

ROOT = typer.main.get_command(app)


def commands(group: click.Group = ROOT, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:  # type: ignore[assignment]
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def option_blocks(help_text: str) -> dict[str, str]:
    """Each option's lines of the help, by its first name."""
    options = help_text.split("Options:", 1)[1]
    blocks = re.split(r"\n(?=  -)", options)
    return {re.match(r"\s*(-[-\w]+)", block).group(1): block for block in blocks if block.strip()}  # type: ignore[union-attr]


@pytest.mark.parametrize("path", commands(), ids=" ".join)
def test_every_default_is_shown(path: tuple[str, ...]) -> None:
    done = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
    assert done.exit_code == 0, done.output
    blocks = option_blocks(done.output)
    command = ROOT
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    for param in command.params:
        if not isinstance(param, click.Option) or param.name == "help":
            continue
        block = " ".join(blocks[param.opts[0]].split())
        assert "[default: " in block or "[required]" in block, block
        if param.default not in (None, False, True) and not isinstance(param.default, list):
            assert f"[default: {param.default}]" in block, block
        assert param.help, f"{param.opts[0]} has no help"


def test_version() -> None:
    done = CliRunner().invoke(app, ["--version"])
    assert done.exit_code == 0
    assert done.output == f"sourcesense {__version__}\n"
