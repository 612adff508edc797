"""gunicorn's threaded worker, with a read deadline on client sockets.

It never imports ``qa_service.web``: gunicorn's master imports the worker class, and importing the app
there would create metrics files before the metrics folder is set up.

gunicorn's gthread worker only waits (5 s) for the *first* bytes of a request; a client that then sends
its headers or body slowly holds a thread forever, and a few dozen such clients (slowloris) stall the
service. Here reading a request has a deadline of CLIENT_TIMEOUT seconds in total (a client trickling a
byte at a time cannot extend it), and each send times out too, so a slow client loses its connection
and the thread returns to serving patients. This bounds the harm; on the open internet a buffering
proxy (nginx) in front is still the real defence (docs/RELIABILITY.md).

Keep-alive fast path: after answering, the thread waits up to KEEPALIVE_WAIT_MS for the same connection's next
request and serves it itself, unless another connection is waiting for a thread. gunicorn would hand the
connection back to its main thread's poller and then to a pool thread again (two thread wake-ups), which
cost 0.3–0.5 ms per request to a client that asks again at once: a script, or a proxy's keep-alive pool
under load (docs/PERFORMANCE.md). A connection that stays quiet goes back to the poller as before.
"""

from __future__ import annotations

import errno
import json
import select
import socket
import time

from gunicorn import util
from gunicorn.workers import gthread

from qa_service.problems import MEDIA_TYPE, problem_body

CLIENT_TIMEOUT = 10.0
KEEPALIVE_WAIT_MS = 2.0  # how long a thread waits for a kept-alive connection's next request


class _TimedSocket(socket.socket):
    """A client socket whose blocking reads share one deadline per request (reset when gunicorn switches
    the socket to blocking mode, which it does before reading each request)."""

    _deadline = 0.0

    def setblocking(self, flag: bool) -> None:
        super().setblocking(flag)
        if flag:
            self._deadline = time.monotonic() + CLIENT_TIMEOUT
            self.settimeout(CLIENT_TIMEOUT)

    def _remaining(self) -> None:
        if self.gettimeout() is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("client too slow: request not received in time")
            self.settimeout(left)

    def recv(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        self._remaining()
        return super().recv(*args, **kwargs)

    def recv_into(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        self._remaining()
        return super().recv_into(*args, **kwargs)

    def sendall(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        if self.gettimeout() is not None:
            self.settimeout(CLIENT_TIMEOUT)  # a response gets its own budget, not what reading left
        return super().sendall(*args, **kwargs)


class _TimedConn(gthread.TConn):  # noqa: D101
    def __init__(self, cfg, sock, client, server) -> None:  # noqa: ANN001 - gunicorn's signature
        timed = _TimedSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())
        timed._deadline = time.monotonic() + CLIENT_TIMEOUT
        super().__init__(cfg, timed, client, server)


def _write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """Errors gunicorn answers itself (request line or headers too large, malformed HTTP) as problem+json,
    like every other error of the service, instead of gunicorn's HTML page."""
    body = json.dumps(problem_body(status_int, reason, mesg or reason, f"http-{status_int}")).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: {MEDIA_TYPE}\r\n"
        f"X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's gthread worker using the timed connections above, with the keep-alive fast path."""

    def init_process(self) -> None:
        # gunicorn's Worker.handle_error writes errors through this module-level function: ours writes
        # problem+json. Set in the worker process itself, never at import (the master imports this module).
        util.write_error = _write_problem
        super().init_process()

    def accept(self, listener):  # noqa: ANN001, ANN201 - gunicorn's signature
        """gunicorn's accept, creating timed connections (gthread names its TConn class directly)."""
        try:
            client_sock, client_addr = listener.accept()
            self.nr_conns += 1
            client_sock.setblocking(True)
            self.enqueue_req(_TimedConn(self.cfg, client_sock, client_addr, listener.getsockname()))
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise

    def handle(self, conn):  # noqa: ANN001, ANN201 - gunicorn's signature
        while True:
            result = super().handle(conn)
            if result is not True or not self._next_request_ready(conn):
                return result

    def _next_request_ready(self, conn: gthread.TConn) -> bool:
        """Whether this thread should serve the connection's next request itself (see the module doc)."""
        if not self.alive or conn.parser.unreader.buf.getvalue():
            return False  # stopping, or bytes already read ahead: gunicorn's own path handles those
        if self.tpool._work_queue.qsize():  # noqa: SLF001 - another connection waits for a thread: be fair
            return False
        poller = select.poll()  # not select.select: it fails on descriptors above 1023
        try:
            poller.register(conn.sock, select.POLLIN)
            return bool(poller.poll(KEEPALIVE_WAIT_MS))
        except (OSError, ValueError):
            return False
