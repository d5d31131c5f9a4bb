"""`sourcesense serve` (REST API and web UI) and `sourcesense worker`."""

from __future__ import annotations

import errno
import socket
from typing import TYPE_CHECKING, Annotated

import typer

from sourcesense.cli.common import (
    NamespaceOption,
    OutOption,
    TemporalOption,
    TlsOption,
    err,
    settings_for,
)
from sourcesense.errors import PortInUseError

if TYPE_CHECKING:
    from sourcesense.settings import Settings


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)


def worker(
    temporal_address: Annotated[str, typer.Option(help="host:port of the Temporal cluster")],
    temporal_namespace: NamespaceOption = None,
    temporal_tls: TlsOption = False,
    identity: Annotated[
        str | None, typer.Option(help="Worker name shown in Temporal [default: pid@host]")
    ] = None,
) -> None:
    """Run a worker: any number of machines can serve one cluster (runs on shared storage)."""
    import asyncio

    from sourcesense.workflow.runtime import connect_client, new_worker

    settings = settings_for(None, temporal_address, temporal_namespace, temporal_tls)

    async def serve() -> None:
        client = await connect_client(settings)
        queue = settings.task_queue
        err().print(f"worker polling '{queue}' on {temporal_address}; Ctrl-C stops it")
        await new_worker(client, settings, identity).run()

    asyncio.run(serve())


def serve(
    out_dir: OutOption = None,
    host: Annotated[
        str | None, typer.Option(help="Bind address [default: 127.0.0.1, or SOURCESENSE_API_HOST]")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port [default: 8000, or SOURCESENSE_API_PORT]")
    ] = None,
    temporal_address: TemporalOption = None,
    temporal_namespace: NamespaceOption = None,
    temporal_tls: TlsOption = False,
    temporal_ui: Annotated[
        bool, typer.Option(help="Also serve the Temporal Web UI (embedded server only)")
    ] = False,
) -> None:
    """Serve the REST API and the web UI (with an embedded Temporal server and a worker unless
    --temporal-address is given; other sourcesense commands of the data dir submit to them)."""
    import asyncio

    from sourcesense.tokens import api_token

    settings = settings_for(out_dir, temporal_address, temporal_namespace, temporal_tls)
    bind_host, bind_port = host or settings.api_host, port or settings.api_port
    sock = bind(bind_host, bind_port)  # before anything starts: a busy port ends it here
    token, generated = api_token(settings)
    token_file = settings.data_dir / "api.token"
    if generated:
        err().print(f"API token (shown once; also in {token_file}): {token}")
    elif settings.api_token is None:
        err().print(f"API token in {token_file}")
    asyncio.run(_serve(settings, sock, f"http://{bind_host}:{bind_port}/", temporal_ui))


def bind(host: str, port: int) -> socket.socket:
    """The listening socket of the API, bound now so that a busy port is one clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by each connection: a response's later writes go out at once, not after the
    # client's delayed ACK (40 ms per keep-alive request otherwise).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(
                f"port {port} on {host} is in use by another process: stop it, or choose "
                "another port with --port"
            ) from None
        raise PortInUseError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


async def _serve(settings: Settings, sock: socket.socket, url: str, ui: bool) -> None:
    import contextlib

    import uvicorn

    from sourcesense.api.main import create_app, server_options
    from sourcesense.workflow.runtime import (
        ADDRESS_FILE,
        EMBEDDED_READY_S,
        connect_client,
        embedded_temporal,
        new_worker,
    )
    from sourcesense.workflow.submit import unfinished_runs

    async with contextlib.AsyncExitStack() as stack:
        address = settings.temporal_address
        if address is None:
            server = await stack.enter_async_context(
                embedded_temporal(settings.data_dir, ui=ui, kind="serve")
            )
            address = server.address
            err().print(f"Temporal: {address} (recorded in {settings.data_dir / ADDRESS_FILE})")
            if server.ui_url:
                err().print(f"Temporal Web UI: {server.ui_url}")
        client = await connect_client(settings, address, wait_s=EMBEDDED_READY_S)
        if settings.temporal_address is None:
            await stack.enter_async_context(new_worker(client, settings))
            for run in await unfinished_runs(client):  # the worker resumes them
                err().print(f"{run.describe()}: resumed by this server", highlight=False)
        config = uvicorn.Config(create_app(settings, client), log_config=None,
                                access_log=False, **server_options(settings))  # fmt: skip
        err().print(f"SourceSense on {url} (API docs at /docs)", highlight=False)
        await uvicorn.Server(config).serve(sockets=[sock])
