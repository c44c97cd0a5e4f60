"""Run the sandbox market in the foreground: python -m providers.sandbox --port-base 5101"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Sequence

from .market import SandboxMarket


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m providers.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port-base", type=int, default=0, help="first port; insurers take consecutive ports (default: any free)"
    )
    parser.add_argument("--providers-file", type=Path, help="also write a CANDOR_PROVIDERS_FILE for the market here")
    return parser.parse_args(argv)


def wait_for_termination() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop_requested.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with SandboxMarket(host=args.host, base_port=args.port_base) as market:
        for spec in market.specs:
            role = "house" if spec.house else "competitor"
            print(f"{spec.key:10} {market.urls[spec.key]}  {spec.name} ({role})", flush=True)
        if args.providers_file:
            args.providers_file.write_text(market.providers_toml(), encoding="utf-8")
            print(f"providers file written to {args.providers_file}", flush=True)
        print("Sandbox market running; Ctrl-C to stop.", flush=True)
        wait_for_termination()
    print("Sandbox market stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
