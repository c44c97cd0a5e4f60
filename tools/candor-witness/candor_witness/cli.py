"""candor-witness serve | vkey.

    candor-witness serve --key witness.pem --name witness.example/w1 --state state/ \\
        --log 'candor.example/recommendations+3f343d6a+ATNt…' [--host 127.0.0.1] [--port 0]

prints `listening on http://HOST:PORT` (port 0 picks a free one) and the witness's verifier key,
then serves until SIGTERM or Ctrl-C. The key (Ed25519, PEM PKCS #8) is generated when the file does
not exist, readable by its owner only.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding, NoEncryption, PrivateFormat, load_pem_private_key,
)

from candor_witness.notes import NOTE_SIGNATURE, Cosigner, NoteError, PublicKey, valid_key_name
from candor_witness.server import WitnessServer
from candor_witness.state import StateDirectory
from candor_witness.witness import Witness


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        key = load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SystemExit(f"{path} does not hold an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return key


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="candor-witness", description="A C2SP tlog-witness.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("serve", "run the witness"), ("vkey", "print the witness's verifier key")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--key", type=Path, required=True, help="Ed25519 private key (PEM); created if absent")
        command.add_argument("--name", required=True, help="the witness's name, e.g. witness.example/w1")
    serve = commands.choices["serve"]
    serve.add_argument("--state", type=Path, required=True, help="directory for the latest checkpoint of each log")
    serve.add_argument("--log", action="append", default=[], metavar="VKEY",
                       help="a log's verifier key (name+id+key); repeatable; the name is the log's origin")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    arguments = parser.parse_args(argv)
    if not valid_key_name(arguments.name):
        parser.error("--name is a key name: non-empty, without spaces or '+'")
    if arguments.command == "serve" and not arguments.log:
        parser.error("give at least one --log verifier key to watch")
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    cosigner = Cosigner(arguments.name, load_or_create_key(arguments.key))
    if arguments.command == "vkey":
        print(cosigner.public.vkey)
        return 0
    try:
        logs = [PublicKey.from_vkey(text, key_type=NOTE_SIGNATURE) for text in arguments.log]
    except NoteError as error:
        print(f"candor-witness: --log: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="candor-witness: %(message)s", stream=sys.stderr)
    server = WitnessServer((arguments.host, arguments.port), Witness(cosigner, logs, StateDirectory(arguments.state)))
    print(f"listening on {server.url}", flush=True)
    print(f"verifier key {cosigner.public.vkey}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, name="candor-witness", daemon=True)
    thread.start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
