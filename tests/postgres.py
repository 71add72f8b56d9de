"""Start a throwaway PostgreSQL server on loopback for the test run (Debian's postgresql)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.initdb, self.postgres = _binary("initdb"), _binary("postgres")
        if not (self.initdb and self.postgres):
            raise RuntimeError("PostgreSQL is required for these tests: sudo apt-get install -y postgresql")
        self.root = Path(tempfile.mkdtemp(prefix="vsk-pg-"))
        self.port = _free_port()
        self.process = None
        # initdb refuses to run as root: run the server as the postgres user then.
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            shutil.chown(self.root, "postgres")
            os.chmod(self.root, 0o700)

    def start(self) -> str:
        data = self.root / "data"
        subprocess.run(
            [*self.prefix, self.initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        self.process = subprocess.Popen(
            [
                *self.prefix,
                self.postgres,
                "-D",
                str(data),
                "-p",
                str(self.port),
                "-h",
                "127.0.0.1",
                "-k",
                str(self.root),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(
                    f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
                ) as conn:
                    conn.execute("CREATE DATABASE vsk")
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(
                        "PostgreSQL did not start: " + self.process.stderr.read().decode()
                    ) from None
                time.sleep(0.2)
        return f"postgres://postgres@127.0.0.1:{self.port}/vsk"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running():
    """A throwaway server for the `with` block; yields its database's URL, stops it after."""
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.stop()
