"""candor-verify RECEIPT --key VERIFIER_KEY [--key …] [--witness KEY …] [--witnesses-required K]

Exit status: 0 verified, 1 refused (the reason on standard error), 2 a usage problem (a file that
cannot be read, a key that is not a key)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from candor_verify.keys import BadKey, CosignerKey, LogKey
from candor_verify.receipt import MAX_RECEIPT_BYTES
from candor_verify.verify import Refused, verify_receipt
from candor_verify.words import explain

VERIFIED, REFUSED, USAGE = 0, 1, 2


class Usage(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="candor-verify",
        description="Checks a Candor receipt (a C2SP tlog-proof@v1 with the entry's bytes) offline: the entry's "
                    "leaf hash, the checkpoint's signature, witness cosignatures and the inclusion proof.")
    parser.add_argument("receipt", help="the receipt file ('-' reads standard input)")
    parser.add_argument("--key", action="append", required=True, metavar="KEY",
                        help="a log verifier key (name+id+base64), or a file holding one; repeat to trust several, "
                             "e.g. across a key rotation")
    parser.add_argument("--witness", action="append", default=[], metavar="KEY",
                        help="a witness's cosignature/v1 verifier key (type 0x04), or a file holding one; repeatable")
    parser.add_argument("--witnesses-required", type=int, default=None, metavar="K",
                        help="how many of the named witnesses must have cosigned (default: all of them)")
    return parser


def _key_text(argument: str) -> str:
    """A key given inline, or the contents of the file named: a key always has two '+' signs and
    no '/' after the name, a path usually not."""
    path = Path(argument)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise Usage(f"cannot read the key file {argument}: {error}") from error
    return argument


def _keys(arguments: Sequence[str], kind: type[LogKey] | type[CosignerKey], what: str) -> list:  # type: ignore[type-arg]
    keys = []
    for argument in arguments:
        try:
            keys.append(kind.parse(_key_text(argument)))
        except BadKey as error:
            raise Usage(f"{what} {argument[:60]!r} is not usable: {error}") from error
    return keys


def _receipt_bytes(argument: str) -> bytes:
    try:
        if argument == "-":
            return sys.stdin.buffer.read(MAX_RECEIPT_BYTES + 1)
        with open(argument, "rb") as file:
            return file.read(MAX_RECEIPT_BYTES + 1)
    except OSError as error:
        raise Usage(f"cannot read the receipt {argument}: {error.strerror or error}") from error


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        log_keys = _keys(arguments.key, LogKey, "--key")
        witnesses = _keys(arguments.witness, CosignerKey, "--witness")
        required = arguments.witnesses_required
        if required is not None and not 0 <= required <= len(witnesses):
            raise Usage(f"--witnesses-required {required}: you named {len(witnesses)} witnesses")
        data = _receipt_bytes(arguments.receipt)
    except Usage as error:
        print(f"candor-verify: {error}", file=sys.stderr)
        return USAGE
    try:
        verified = verify_receipt(data, log_keys, witnesses, required)
    except Refused as error:
        print(f"NOT VERIFIED: {arguments.receipt}: {error}.", file=sys.stderr)
        return REFUSED
    sys.stdout.write(explain(verified, arguments.receipt))
    return VERIFIED
