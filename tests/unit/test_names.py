"""Manifest names: quoted as PostgreSQL quotes identifiers, and parsed back."""

from __future__ import annotations

import pytest

from sourcesense.extract.names import qualified, split_qualified

ODD = ["shop", "a.b", 'x"y', "Upper", "with space", "1st", "ñandú", "", "select"]


def test_plain_names_stay_bare_and_odd_ones_are_quoted() -> None:
    assert qualified("shop", "public", "orders_2024") == "shop.public.orders_2024"
    assert qualified("a.b", "c.d") == '"a.b"."c.d"'
    assert qualified('x"y', "Upper", "1st") == '"x""y"."Upper"."1st"'


@pytest.mark.parametrize("name", ODD)
def test_every_name_parses_back(name: str) -> None:
    assert split_qualified(qualified("db", name, name)) == ["db", name, name]


@pytest.mark.parametrize("text", ["", "a..b", 'a."b', "a.B", "a.b.", '"a"b'])
def test_text_it_cannot_have_written_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a qualified name"):
        split_qualified(text)
