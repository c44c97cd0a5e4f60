"""What a verified receipt proves, in words, and what it does not."""

from __future__ import annotations

import base64
from datetime import datetime

from candor_verify.verify import Verified

# Candor's signing-key hand-over (docs/audit-log.md): a checkpoint signed by the old key and the new
# one, naming the new one, so whoever trusts the old key can learn the new one from the log itself.
NEXT_KEY = "candor-next-key "

KINDS = {"recommendation": "a recommendation", "re-rank": "a re-ranking", "erasure": "an erasure",
         "advisor-decision": "an advisor's record of the customer's choice",
         "override": "an advisor's record of the customer's choice"}


def _moment(value: object) -> str:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return "at a time we cannot read"
    return f"on {moment.day} {moment:%B %Y} at {moment:%H:%M} UTC"


def _entry(verified: Verified) -> str:
    header = verified.header
    kind = str(header.get("kind", "entry"))
    what = KINDS.get(kind, f"a {kind.replace('-', ' ')} entry")
    reference = f", reference {header['reference']}" if isinstance(header.get("reference"), str) else ""
    return f"{what[0].upper()}{what[1:]}{reference}, logged {_moment(header.get('time'))}"


def _witnesses(verified: Verified) -> str:
    if not verified.witnesses_named:
        return ("No witnesses were named (--witness), so this shows what the log's operator signed, not that "
                "everyone was shown the same log.")
    who = "; ".join(f"{item.witness} at {item.time:%Y-%m-%d %H:%M:%S} UTC" for item in verified.cosigned) or "none"
    return (f"{len(verified.cosigned)} of the {verified.witnesses_named} witnesses you named cosigned that checkpoint "
            f"(you required {verified.witnesses_required}): {who}. Each cosignature states that the witness checked "
            "this tree is consistent with every earlier one it saw.")


def _announcements(verified: Verified) -> list[str]:
    said = []
    for line in verified.extensions:
        if line.startswith(NEXT_KEY):
            said.append(f"  The checkpoint, signed by the key you gave, announces the log's next signing key: "
                        f"{line[len(NEXT_KEY):]} (give it with --key for receipts signed after the hand-over).")
        else:
            said.append(f"  The checkpoint also carries a line no step above relies on: {line[:120]}")
    return said


def explain(verified: Verified, source: str) -> str:
    index = f"{verified.index:,}"
    root = base64.b64encode(verified.root_hash).decode("ascii")
    key = verified.log_key.label
    steps = [
        f"Verified: {source}",
        f"  Entry {index}: {_entry(verified)}.",
        f"  1. The entry's {verified.leaf_bytes:,} bytes, carried in the receipt, hash to leaf hash "
        f"{verified.leaf_hash.hex()} (computed here, not read from the receipt).",
        f"  2. The checkpoint of the log {verified.origin} at {verified.tree_size:,} entries (root {root}) is signed "
        f"by the key {key} that you gave.",
        f"  3. {_witnesses(verified)}",
        f"  4. The inclusion proof ({verified.proof_hashes} hashes) leads from that leaf at index {index} to the "
        "checkpoint's root hash.",
        *_announcements(verified),
        f"So entry {index} of {verified.origin} is exactly these bytes, unchanged, in the tree the log signed.",
    ]
    return "\n".join(steps) + "\n"
