"""The gunicorn worker's keep-alive fast path decides when a thread serves a connection's next request."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from qa_service.server.worker import ThreadWorker


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    server, client = socket.socketpair()
    yield server, client
    server.close()
    client.close()


def _worker(pool: ThreadPoolExecutor, alive: bool = True) -> ThreadWorker:
    worker = ThreadWorker.__new__(ThreadWorker)  # the decision needs no arbiter, config or sockets of its own
    worker.alive = alive
    worker.tpool = pool
    return worker


def _conn(sock: socket.socket, buffered: bytes = b"") -> SimpleNamespace:
    return SimpleNamespace(sock=sock, parser=SimpleNamespace(unreader=SimpleNamespace(buf=io.BytesIO(buffered))))


def test_the_next_request_is_served_by_the_same_thread_when_it_is_there(pair) -> None:  # noqa: ANN001
    server, client = pair
    with ThreadPoolExecutor(1) as pool:
        worker = _worker(pool)
        assert not worker._next_request_ready(_conn(server))  # nothing sent: back to gunicorn's poller
        client.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
        assert worker._next_request_ready(_conn(server))
        assert not _worker(pool, alive=False)._next_request_ready(_conn(server))  # a stopping worker lets go
        assert not worker._next_request_ready(_conn(server, b"GET /"))  # read ahead: gunicorn's own path


def test_the_fast_path_yields_when_another_connection_waits_for_a_thread(pair) -> None:  # noqa: ANN001
    server, client = pair
    client.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
    release = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        pool.submit(release.wait)  # the only thread is busy...
        queued = pool.submit(lambda: None)  # ...and another connection's request waits for it
        try:
            assert not _worker(pool)._next_request_ready(_conn(server))
        finally:
            release.set()
        queued.result(timeout=10)
        assert _worker(pool)._next_request_ready(_conn(server))  # nobody waits any more
