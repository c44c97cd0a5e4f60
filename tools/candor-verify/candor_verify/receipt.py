"""Reading a receipt: a C2SP tlog-proof@v1 (c2sp.org/tlog-proof) and the signed checkpoint note in
it (c2sp.org/signed-note, c2sp.org/tlog-checkpoint). Syntax only, and strictly: anything that is
not exactly the format is refused with what is wrong, before any hash or signature is looked at."""

from __future__ import annotations

from dataclasses import dataclass

from candor_verify.keys import b64decode, valid_key_name

HEADER = "c2sp.org/tlog-proof@v1"
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_RECEIPT_BYTES = 1 << 20
MAX_PROOF_HASHES = 64  # a tree of 2**63 entries needs 63
MAX_SIGNATURES = 100


class Malformed(ValueError):
    """The receipt is not a tlog-proof we can read; the message says where."""


@dataclass(frozen=True)
class SignatureLine:
    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Checkpoint:
    body: str  # the note's text, each line ending in a newline: what the signatures sign
    origin: str
    tree_size: int
    root_hash: bytes
    signatures: list[SignatureLine]
    extensions: tuple[str, ...] = ()  # the lines after the root hash, which the signatures cover too


@dataclass(frozen=True)
class Receipt:
    extra: bytes | None
    index: int
    inclusion_path: list[bytes]
    checkpoint: Checkpoint


def _decimal(text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit() or (text != "0" and text.startswith("0")) or len(text) > 20:
        raise Malformed(f"{what} must be a decimal number without leading zeros, not {text[:24]!r}")
    return int(text)


def _hash_line(line: str, number: int) -> bytes:
    try:
        value = b64decode(line)
    except ValueError as error:
        raise Malformed(f"inclusion proof line {number} is not base64") from error
    if len(value) != 32:
        raise Malformed(f"inclusion proof line {number} is {len(value)} bytes, not a 32-byte SHA-256 hash")
    return value


def parse_receipt(data: bytes) -> Receipt:
    if len(data) > MAX_RECEIPT_BYTES:
        raise Malformed(f"a receipt is at most {MAX_RECEIPT_BYTES:,} bytes; this is {len(data):,}")
    # A receipt opened and saved again by a Windows editor has CRLF line ends; nothing signed or
    # hashed contains a CR (the entry's bytes are base64), so taking them as LF changes no proof.
    data = data.replace(b"\r\n", b"\n")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Malformed("a receipt is UTF-8 text") from error
    if any(ord(character) < 0x20 and character != "\n" for character in text):
        raise Malformed("a receipt has no control characters other than newlines (no CR, no tabs)")
    proof_part, blank, note = text.partition("\n\n")
    if not blank:
        raise Malformed("a receipt is the proof, a blank line, then the checkpoint; there is no blank line")
    lines = proof_part.split("\n")
    if lines[0] != HEADER:
        raise Malformed(f"the first line must be {HEADER!r}")
    extra = None
    position = 1
    if len(lines) > 1 and lines[1].startswith("extra "):
        try:
            extra = b64decode(lines[1][len("extra "):])
        except ValueError as error:
            raise Malformed("the extra line is not base64") from error
        position = 2
    if len(lines) <= position or not lines[position].startswith("index "):
        raise Malformed("after the header (and extra data) comes 'index <number>'")
    index = _decimal(lines[position][len("index "):], "the index")
    hashes = lines[position + 1:]
    if len(hashes) > MAX_PROOF_HASHES:
        raise Malformed(f"an inclusion proof has at most {MAX_PROOF_HASHES} hashes; this has {len(hashes)}")
    path = [_hash_line(line, number) for number, line in enumerate(hashes, start=1)]
    return Receipt(extra, index, path, parse_checkpoint(note))


def _signature_line(line: str) -> SignatureLine:
    if not line.startswith(SIGNATURE_PREFIX):
        raise Malformed("every line after the checkpoint's blank line is a signature line ('— name signature')")
    name, _, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
    if not valid_key_name(name) or not encoded or " " in encoded:
        raise Malformed("a signature line is '— <key name> <base64 signature>'")
    try:
        raw = b64decode(encoded)
    except ValueError as error:
        raise Malformed(f"the signature by {name} is not base64") from error
    if len(raw) < 5:
        raise Malformed(f"the signature by {name} is too short to hold a key ID and a signature")
    return SignatureLine(name, raw[:4], raw[4:])


def parse_checkpoint(note: str) -> Checkpoint:
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise Malformed("the checkpoint is a signed note: its text, a blank line, then signature lines")
    body, block = note[: split + 1], note[split + 2:]
    signatures = [_signature_line(line) for line in block[:-1].split("\n")]
    if len(signatures) > MAX_SIGNATURES:
        raise Malformed(f"a checkpoint carries at most {MAX_SIGNATURES} signatures")
    lines = body.split("\n")[:-1]
    if len(lines) < 3 or any(line == "" for line in lines):
        raise Malformed("a checkpoint is at least three non-empty lines: origin, tree size, root hash")
    size = _decimal(lines[1], "the checkpoint's tree size")
    try:
        root = b64decode(lines[2])
    except ValueError as error:
        raise Malformed("the checkpoint's root hash is not base64") from error
    if len(root) != 32:
        raise Malformed("the checkpoint's root hash is not 32 bytes")
    return Checkpoint(body, lines[0], size, root, signatures, tuple(lines[3:]))
