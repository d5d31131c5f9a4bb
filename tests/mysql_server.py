"""A real MySQL/MariaDB server for the tests: the one SOURCESENSE_TEST_MYSQL_DSN names, else
the one answering as root on 127.0.0.1:3306, else a private MariaDB started from the Debian
package's binaries with its own data directory, socket and a free port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pymysql

LOCAL_DSN = "mysql://root@127.0.0.1:3306/"
INSTALL_DB, SERVER = "/usr/bin/mariadb-install-db", "/usr/sbin/mariadbd"


def _answers(host: str, port: int) -> bool:
    with suppress(pymysql.Error):
        pymysql.connect(host=host, port=port, user="root", password="", connect_timeout=3).close()
        return True
    return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def private_mariadb() -> Iterator[str]:
    """A MariaDB of its own (root, empty password) for the session; its DSN."""
    if not (Path(INSTALL_DB).exists() and Path(SERVER).exists()):
        raise RuntimeError(
            "no MySQL/MariaDB for the tests: set SOURCESENSE_TEST_MYSQL_DSN, or install "
            "mariadb-server (scripts/setup --dev)"
        )
    root = Path(tempfile.mkdtemp(prefix="sourcesense-test-mariadb-"))
    data, port = root / "data", _free_port()
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(
        [INSTALL_DB, "--no-defaults", f"--datadir={data}", "--skip-test-db",
         "--auth-root-authentication-method=normal", *user],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    server = subprocess.Popen(
        [SERVER, "--no-defaults", f"--datadir={data}", f"--socket={root / 'sock'}",
         f"--port={port}", "--bind-address=127.0.0.1", "--skip-log-bin",
         f"--pid-file={root / 'pid'}", *user],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not _answers("127.0.0.1", port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the private MariaDB did not start (see {data})")
            time.sleep(0.3)
        yield f"mysql://root@127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def mysql_dsn() -> Iterator[str]:
    given = os.environ.get("SOURCESENSE_TEST_MYSQL_DSN")
    if given:
        yield given
    elif _answers("127.0.0.1", 3306):
        yield LOCAL_DSN
    else:
        with private_mariadb() as dsn:
            yield dsn
