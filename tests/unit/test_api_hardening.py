"""Pure parts of the API's hardening: webhook URL redaction, error messages without server paths,
validation errors without inputs, and the rate limiter's bounded state."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette

from sourcesense.api.security import RateLimitMiddleware, public_message, validation_errors
from sourcesense.logs import redact_url, scrub
from sourcesense.settings import Settings

URLS = {
    "https://user:tok@hooks.example/run/end?token=abc&x=1#frag": "https://hooks.example/run/end?****",
    "http://hooks.example:8080/x": "http://hooks.example:8080/x",
    "https://tok@h.example/?sig=1": "https://h.example/?****",
    "http://[::1]:9/p?q": "http://[::1]:9/p?****",
    "http://[bad/x": "****",
}


@pytest.mark.parametrize(("url", "redacted"), URLS.items())
def test_webhook_urls_lose_user_info_and_query(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


def test_log_lines_carry_webhook_urls_redacted() -> None:
    line = scrub("webhook https://u:p@h.example/x?token=s3cret answered 500")
    assert line == "webhook https://h.example/x?**** answered 500"


def test_api_error_messages_name_no_server_paths(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    message = f"no run 'x' in {tmp_path / 'data'}; see {tmp_path}/logs/sourcesense.log"
    shown = public_message(message, settings)
    assert shown == "no run 'x' in the data directory; see <path>"
    url = "cannot connect to postgresql://u@h:5432/db or http://h/a/b"
    assert public_message(url, settings) == url


def test_validation_errors_never_echo_the_input() -> None:
    errors = [{"type": "x", "loc": ("body", "password"), "msg": "bad \ud800", "input": "secret",
               "ctx": {"error": ValueError("v")}, "url": "https://errors.example"}]  # fmt: skip
    assert validation_errors(errors) == [
        {"type": "x", "loc": ["body", "password"], "msg": "bad \ufffd", "ctx": {"error": "v"}}
    ]


def limiter(max_clients: int) -> RateLimitMiddleware:
    return RateLimitMiddleware(Starlette(), per_minute=2, max_clients=max_clients)


def test_rate_limit_windows_are_per_client() -> None:
    limit = limiter(100)
    assert [limit.hit("a", t) for t in (0.0, 1.0)] == [None, None]
    assert limit.hit("a", 2.0) == 59  # over the limit until the first hit is a minute old
    assert limit.hit("b", 2.0) is None
    assert limit.hit("a", 60.5) is None


def test_idle_clients_are_forgotten() -> None:
    limit = limiter(100)
    for n in range(50):
        limit.hit(f"10.0.0.{n}", float(n))
    limit.hit("late", 108.5)  # a minute after 48.5: every client but #49 has been idle since
    assert list(limit.hits) == ["10.0.0.49", "late"]


def test_the_number_of_clients_is_capped_least_recently_seen_first() -> None:
    limit = limiter(3)
    for client in ("a", "b", "c"):
        limit.hit(client, 0.0)
    limit.hit("a", 1.0)  # a is now the most recently seen
    limit.hit("d", 2.0)
    assert list(limit.hits) == ["c", "a", "d"]  # b, seen least recently, was dropped
