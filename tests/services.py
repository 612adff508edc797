"""Real PostgreSQL, Redis and nginx from Debian's packages, started on 127.0.0.1 for a test and stopped after.

`make test-reliability` installs the packages (as `make test` does for chromium); ``require`` installs
them too when a test runs on a machine without them. Data lives in throwaway folders.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

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


def _wait(check, what: str, timeout: float = 30) -> None:  # noqa: ANN001 - a callable returning truth
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout} s")


class Postgres:
    """A private cluster (trust auth on 127.0.0.1 only), run as the postgres user when we are root."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="qa-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql://qa@127.0.0.1:{self.port}/qa"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self._bin = Path(sorted(glob.glob(PACKAGES["postgresql"]))[-1]).parent

    def start(self) -> Postgres:
        os.chmod(self.root, 0o755)
        if self._as:
            shutil.chown(self.root, "postgres", "postgres")
        run = [*self._as, str(self._bin / "initdb"), "-D", str(self.data), "-U", "qa", "-A", "trust", "--no-sync"]
        subprocess.run(run, check=True, capture_output=True, timeout=120)
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg_ctl = [*self._as, str(self._bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log")]
        subprocess.run([*pg_ctl, "-o", options, "-w", "start"], check=True, capture_output=True, timeout=120)
        create = [str(self._bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "qa", "qa"]
        subprocess.run(create, check=True, capture_output=True, timeout=60)
        return self

    def stop(self) -> None:
        pg_ctl = [*self._as, str(self._bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
        subprocess.run(pg_ctl, capture_output=True, timeout=60)
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
        )
        _wait(lambda: socket.create_connection(("127.0.0.1", self.port), timeout=1).close() is None, "nginx")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        shutil.rmtree(self.root, ignore_errors=True)
