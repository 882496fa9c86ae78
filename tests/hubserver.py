"""A local, read-only Hub for tests: olah serving git repositories from a folder.

olah (PyPI) answers the Hub endpoints `huggingface_hub` and `datasets` call (revision
info, tree listing, resolve with X-Repo-Commit and ETag) from local git repositories laid
out as `<mirrors>/datasets/<owner>/<name>`, and with `offline = true` never contacts the
real Hub. It binds 127.0.0.1 only and lives as long as the `with` block.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HOST = "127.0.0.1"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"olah exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"olah did not listen on {HOST}:{port} within {timeout}s")


def olah_config(mirrors: Path, work: Path, port: int) -> str:
    return f"""[basic]
host = "{HOST}"
port = {port}
repos-path = "{work / "cache"}"
mirrors-path = ["{mirrors}"]
mirror-scheme = "http"
mirror-netloc = "{HOST}:{port}"
mirror-lfs-netloc = "{HOST}:{port}"

[accessibility]
offline = true
"""


@contextmanager
def local_hub(mirrors: Path, work: Path) -> Iterator[str]:
    """Serve the git repositories under `mirrors` read-only; yield the endpoint URL."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = work / "olah.toml"
    config.write_text(olah_config(mirrors, work, port), encoding="utf-8")
    log = work / "olah.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "olah.server", "-c", str(config), "--log-path", str(work / "logs")],
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port, process, log)
            yield f"http://{HOST}:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
