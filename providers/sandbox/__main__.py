"""Run the sandbox market in the foreground: python -m providers.sandbox --port-base 5101

Make it slow or broken on purpose with --set provider.knob=value (repeatable), e.g.
--set tortoise.latency_s=4 --set acme.error_rate=0.5 --set summit.fault=malformed_json
--set pioneer.decline="driver_age < 30" --set lighthouse.layout=redesigned"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from .knobs import parse_knobs
from .market import SandboxMarket


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m providers.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port-base", type=int, default=0, help="first port; insurers take consecutive ports (default: any free)"
    )
    parser.add_argument("--providers-file", type=Path, help="also write a CANDOR_PROVIDERS_FILE for the market here")
    parser.add_argument("--set", dest="knobs", action="append", default=[], metavar="PROVIDER.KNOB=VALUE",
                        help="change one provider's behaviour, e.g. tortoise.latency_s=4 (repeatable)")
    return parser.parse_args(argv)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM, handled from before the market starts so none is missed."""
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop_requested
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        market = SandboxMarket(host=args.host, base_port=args.port_base, overrides=parse_knobs(args.knobs))
    except ValueError as error:
        print(f"python -m providers.sandbox: {error}", file=sys.stderr)
        return 2
    with stop_on_signals() as stop_requested, market:
        for spec in market.specs:
            role = "house" if spec.house else "competitor"
            print(f"{spec.key:10} {market.urls[spec.key]}  {spec.name} ({role})", flush=True)
        if args.providers_file:
            args.providers_file.write_text(market.providers_toml(), encoding="utf-8")
            print(f"providers file written to {args.providers_file}", flush=True)
        print("Sandbox market running; Ctrl-C to stop.", flush=True)
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop_requested.wait(0.5):
            pass
    print("Sandbox market stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
