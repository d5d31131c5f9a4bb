"""Qualified names in the manifest (`skipped`, `locked`): dotted, and parseable back.

Each part is written as PostgreSQL writes an identifier: bare when it is lower-case letters,
digits and underscores not starting with a digit, otherwise in double quotes with inner quotes
doubled. Reserved words stay bare: the names are split, never run as SQL.

>>> qualified("shop", "a.b", 'x"y')
'shop."a.b"."x""y"'
>>> split_qualified('shop."a.b"."x""y"')
['shop', 'a.b', 'x"y']
"""

from __future__ import annotations

import re

_BARE = re.compile(r"[a-z_][a-z0-9_]*")
_PART = re.compile(r'"((?:[^"]|"")*)"|([a-z_][a-z0-9_]*)')


def quote_name(name: str) -> str:
    return name if _BARE.fullmatch(name) else '"' + name.replace('"', '""') + '"'


def qualified(*names: str) -> str:
    """database.schema.relation (or fewer parts), each quoted by quote_name."""
    return ".".join(quote_name(name) for name in names)


def split_qualified(text: str) -> list[str]:
    """The names qualified() joined; ValueError for text it cannot have written."""
    parts, position = [], 0
    while True:
        found = _PART.match(text, position)
        if found is None:
            raise ValueError(f"not a qualified name: {text!r}")
        quoted, bare = found.groups()
        parts.append(bare if bare is not None else quoted.replace('""', '"'))
        position = found.end()
        if position == len(text):
            return parts
        if text[position] != ".":
            raise ValueError(f"not a qualified name: {text!r}")
        position += 1
