"""The embedded PostgreSQL leaves the caller's directories as they were: as root its cluster
lives in a directory of its own under /var/lib/sourcesense (PostgreSQL must run as a non-root
user), and whatever it creates for that is announced once on stderr."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import psycopg
import pytest

from sourcesense import embedded

AS_ROOT = os.geteuid() == 0


def modes(paths: list[Path]) -> dict[Path, int]:
    return {path: stat.S_IMODE(path.stat().st_mode) for path in paths}


def test_start_changes_no_permission_of_the_callers_directories(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "nested").mkdir(mode=0o750)
    root = private / "nested" / "pg"
    watched = [tmp_path, private, private / "nested", *tmp_path.parents]
    install = embedded.bin_dir().parent
    watched += [install, *install.parents]
    before = modes(watched)
    try:
        server = embedded.start(root)
        with psycopg.connect(server.conninfo()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert modes(watched) == before
        assert stat.S_IMODE((root / "superuser.password").stat().st_mode) == 0o600
        first = capfd.readouterr().err
        cluster = embedded.cluster_dir(root)
        if AS_ROOT:
            assert cluster.parent == embedded.ROOT_BASE / "clusters"
            assert cluster.owner() == embedded.SYSTEM_USER
            lines = first.splitlines()
            assert len(lines) == 1, first
            assert lines[0].startswith(
                f"embedded PostgreSQL runs as {embedded.SYSTEM_USER}, not root; created "
            )
            assert f"its cluster directory {cluster}" in lines[0]
            assert lines[0].endswith("(README: Embedded PostgreSQL as root)")
        else:
            assert cluster == root and first == ""
        embedded.stop(root)
        again = embedded.start(root)  # again: nothing new, nothing said, the same URL
        assert capfd.readouterr().err == ""
        assert again.url() == server.url()
        assert modes(watched) == before
    finally:
        embedded.remove(root)
    assert not embedded.cluster_dir(root).exists()
