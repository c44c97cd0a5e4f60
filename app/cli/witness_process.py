"""Starting a candor-witness process (tools/candor-witness) on a free loopback port: what
`flask demo run` does for the demo, and what the tests do for real witnesses. The witness is its
own program with its own key and state; this only launches it and reads back where it listens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app.config import PROJECT_ROOT

WITNESS_SOURCE = PROJECT_ROOT / "tools" / "candor-witness"
STARTUP_TIMEOUT_S = 30  # a bound, not the usual: it starts in well under a second
DEMO_WITNESS_NAME = "witness.candor.localhost/demo"
DEMO_COSIGN_EVERY_S = 30.0


@dataclass
class WitnessProcess:
    url: str
    verifier_key: str
    process: subprocess.Popen[str]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> WitnessProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def start_witness(directory: Path, name: str, log_verifier_keys: list[str], *, port: int = 0,
                  log_file: Path | None = None) -> WitnessProcess:
    """Runs `python -m candor_witness serve` with its key and state under `directory` (created,
    and kept between runs so the witness remembers what it cosigned)."""
    directory.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
        part for part in (str(WITNESS_SOURCE), os.environ.get("PYTHONPATH", "")) if part)}
    command = [sys.executable, "-m", "candor_witness", "serve", "--key", str(directory / "witness-key.pem"),
               "--name", name, "--state", str(directory / "state"), "--port", str(port)]
    for key in log_verifier_keys:
        command += ["--log", key]
    errors = open(log_file or directory / "witness.log", "ab")  # noqa: SIM115 (the child keeps it)
    with errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=environment)
    assert process.stdout is not None
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    found: dict[str, str] = {}
    while len(found) < 2:
        line = process.stdout.readline()
        if not line or time.monotonic() > deadline:
            process.kill()
            process.wait()
            process.stdout.close()
            raise RuntimeError(f"the witness did not start; see {log_file or directory / 'witness.log'}")
        for prefix in ("listening on ", "verifier key "):
            if line.startswith(prefix):
                found[prefix] = line[len(prefix):].strip()
    return WitnessProcess(found["listening on "], found["verifier key "], process)
