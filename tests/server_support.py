"""Real servers for tests that need the production way of serving: gunicorn started with
gunicorn.conf.py in a process group of its own, on a free loopback port, stopped afterwards."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
STARTUP_TIMEOUT_S = 60  # a bound, not the usual: start-up takes a few seconds on an idle machine


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Instance:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def stop(process: subprocess.Popen[bytes]) -> None:
    """TERM to the server's own process group (its master and workers), KILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


def wait_until_healthy(instance: Instance, path: str = "/healthz") -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_problem = "no answer"
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            pytest.fail(f"the server at {instance.url} exited with {instance.process.returncode}:\n{instance.log()}")
        try:
            answer = requests.get(f"{instance.url}{path}", timeout=5)
            if answer.status_code == 200:
                return
            last_problem = answer.text
        except requests.RequestException as error:  # refused, or accepted before a worker is up
            last_problem = str(error)
        time.sleep(0.2)
    pytest.fail(f"the server at {instance.url} was not healthy within {STARTUP_TIMEOUT_S} s ({last_problem}):\n"
                f"{instance.log()}")


def start_gunicorn(environment: dict[str, str], log_path: Path, *arguments: str) -> Instance:
    """gunicorn -c gunicorn.conf.py wsgi:app on a free port; its output (error log, and the access
    log unless GUNICORN_ACCESS_LOG says otherwise) in `log_path`. Wait for it with wait_until_healthy."""
    port = free_port()
    environment = {**environment, "PORT": str(port)}
    environment.pop("GUNICORN_BIND", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", *arguments, "wsgi:app"],
                                   cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Instance(f"http://127.0.0.1:{port}", process, log_path)


def flask(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *arguments], cwd=PROJECT_ROOT,
                          env=environment, capture_output=True, text=True, timeout=120)


def site_environment(database_url: str, directory: Path, providers_toml: str = "") -> dict[str, str]:
    """What one instance needs besides its port: a migrated database, keys of its own, providers."""
    providers_file = directory / "providers.toml"
    providers_file.write_text(providers_toml)
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CANDOR_SECRET_KEY": "test-" + os.urandom(16).hex(),
        "CANDOR_DATA_KEY": base64.b64encode(os.urandom(32)).decode(),
        "CANDOR_SIGNING_KEY_FILE": str(directory / "signing-key.pem"),
        "CANDOR_PROVIDERS_FILE": str(providers_file),
        "RATELIMIT_KEY_PREFIX": f"test-{os.urandom(6).hex()}",
    }
    environment.pop("REDIS_URL", None)
    migrated = flask(environment, "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr
    return environment
