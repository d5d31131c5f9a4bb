"""Read a sources file: YAML with the line of every value kept, ${VAR} interpolation, and
pydantic validation whose every error names the file, the line and the field."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sourcesense.config.model import SourcesFile
from sourcesense.errors import ConfigError

Loc = tuple[str | int, ...]
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_FILE_BYTES = 1_000_000


class ConfigFileError(ConfigError):
    """A sources file that cannot be used: one line per problem, each `file:line: field: what`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class LoadedConfig:
    path: Path
    model: SourcesFile
    lines: dict[Loc, int]  # 1-based line of each key/value, by its path in the document
    raw: dict[str, Any]  # the document before interpolation (to tell inline secrets apart)

    def where(self, loc: Loc) -> str:
        """`file:line: field` of a location (the nearest enclosing one that has a line)."""
        return where(self.path, self.lines, loc)

    def problem(self, loc: Loc, message: str) -> ConfigFileError:
        return ConfigFileError([f"{self.where(loc)}: {message}"])


def where(path: Path, lines: dict[Loc, int], loc: Loc) -> str:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return f"{path}:{lines[loc[:end]]}: {field_name(loc) or '(top level)'}"
    return f"{path}:1: {field_name(loc) or '(top level)'}"


def field_name(loc: Loc) -> str:
    return ".".join(f"[{part}]" if isinstance(part, int) else part for part in loc).replace(
        ".[", "["
    )


def load_config(path: Path) -> LoadedConfig:
    """The validated file; a ConfigFileError listing every problem otherwise."""
    text = _read(path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigFileError([f"{path}:{line}: invalid YAML: {problem}"]) from None
    if not isinstance(raw, dict):
        raise ConfigFileError([f"{path}:1: (top level): expected a mapping with `sources:`"])
    lines = dict(_lines(node, ()))
    data = _interpolate(raw, (), path, lines)
    try:
        model = SourcesFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigFileError(
            [f"{where(path, lines, _loc(e['loc']))}: {_message(e)}" for e in exc.errors()]
        ) from None
    return LoadedConfig(path, model, lines, raw)


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigFileError([f"{path}:1: the file is over {MAX_FILE_BYTES} bytes"])
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigFileError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigFileError([f"{path}: cannot read it: {reason}"]) from None


def _lines(node: yaml.Node | None, loc: Loc) -> Iterator[tuple[Loc, int]]:
    """(path, line) of every node: a mapping value is placed on its key's line."""
    if node is None:
        return
    yield loc, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*loc, str(key.value))
            yield from _lines(value, child)
            yield child, key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _lines(item, (*loc, index))


def _interpolate(value: Any, loc: Loc, path: Path, lines: dict[Loc, int]) -> Any:
    """${VAR} in every string replaced by the environment's value; unset is an error."""
    if isinstance(value, dict):
        return {k: _interpolate(v, (*loc, str(k)), path, lines) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, (*loc, i), path, lines) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name = match[1]
        if name not in os.environ:
            raise ConfigFileError(
                [f"{where(path, lines, loc)}: ${{{name}}} is not set in the environment: "
                 "export it, or remove the reference"]
            )  # fmt: skip
        return os.environ[name]

    return _VARIABLE.sub(substitute, value)


def _loc(loc: tuple[int | str, ...]) -> Loc:
    """pydantic's location without the `[key]` marker of a bad mapping key."""
    return tuple(part for part in loc if part != "[key]")


def _message(error: Any) -> str:
    kind, message = error["type"], str(error["msg"])
    if kind == "extra_forbidden":
        return "unknown field: check its spelling and indentation"
    if kind == "missing":
        return "required field missing"
    if kind == "string_pattern_mismatch" and "[key]" in error["loc"]:
        return "source names are 1 to 63 of a-z, 0-9, _ and -, starting with a letter or digit"
    return message.removeprefix("Value error, ")
