"""Real PostgreSQL, Redis and nginx from Debian's packages, started on 127.0.0.1 for a test and stopped after.

`make test-reliability` installs the packages (as `make test` does for chromium); ``require`` installs
them too when a test runs on a machine without them. Data lives in throwaway folders. Each server runs in the
foreground as the test run's child and dies with it, even when the run is killed (tests/child_processes.py).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.child_processes import dies_with_parent
from tests.live_server import free_port

PACKAGES = {"postgresql": "/usr/lib/postgresql/*/bin/initdb", "redis-server": "/usr/bin/redis-server"}
PACKAGES["nginx"] = "/usr/sbin/nginx"


def require() -> None:
    """Install what is missing from Debian's packages (root, or sudo without a password)."""
    missing = [name for name, path in PACKAGES.items() if not glob.glob(path)]
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, timeout=600)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *missing], check=True, timeout=1200)


def _wait(check, what: str, timeout: float = 30, ready_errors: tuple[type[Exception], ...] = ()) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, *ready_errors):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout} s")


class Postgres:
    """A private cluster (trust auth on 127.0.0.1 only), run as the postgres user when we are root.

    The postmaster runs in the foreground (not through pg_ctl, which detaches it) so it is the run's child."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="qa-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql://qa@127.0.0.1:{self.port}/qa"
        self._user = "postgres" if os.geteuid() == 0 else None
        self._bin = Path(sorted(glob.glob(PACKAGES["postgresql"]))[-1]).parent
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Postgres:
        os.chmod(self.root, 0o755)
        if self._user:
            shutil.chown(self.root, self._user, self._user)
        initdb = [str(self._bin / "initdb"), "-D", str(self.data), "-U", "qa", "-A", "trust", "--no-sync"]
        subprocess.run(initdb, check=True, capture_output=True, timeout=120, user=self._user)
        options = ["-p", str(self.port), "-k", str(self.root), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
        self.proc = subprocess.Popen(
            [str(self._bin / "postgres"), "-D", str(self.data), *options],
            stdout=(self.root / "log").open("wb"),
            stderr=subprocess.STDOUT,
            user=self._user,
            preexec_fn=dies_with_parent(signal.SIGQUIT),  # immediate shutdown: its backends go with it
        )
        import psycopg

        admin = f"postgresql://qa@127.0.0.1:{self.port}/postgres"
        _wait(
            lambda: psycopg.connect(admin, connect_timeout=2).close() is None,
            "postgres",
            ready_errors=(psycopg.OperationalError,),
        )
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE qa")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            self.proc.wait(timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


class Redis:
    """redis-server in the foreground, no persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Redis:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=dies_with_parent(signal.SIGTERM),
        )
        import redis

        _wait(lambda: redis.Redis(port=self.port).ping(), "redis-server")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream qa {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://qa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


class Nginx:
    """nginx in front of the given backends (round robin), as docs/DEPLOYMENT.md describes."""

    def __init__(self, backends: list[int]) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="qa-nginx-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in backends)
        user = "user root;" if os.geteuid() == 0 else ""
        (self.root / "nginx.conf").write_text(
            NGINX_CONF.format(user=user, root=self.root, servers=servers, port=self.port)
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        import socket

        self.proc = subprocess.Popen(
            ["nginx", "-p", str(self.root), "-c", str(self.root / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=dies_with_parent(signal.SIGTERM),  # fast shutdown: the master stops its workers
        )
        _wait(lambda: socket.create_connection(("127.0.0.1", self.port), timeout=1).close() is None, "nginx")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        shutil.rmtree(self.root, ignore_errors=True)
