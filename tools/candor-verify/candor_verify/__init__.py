"""candor-verify: checks a Candor receipt offline, with nothing of Candor's.

A receipt is a C2SP tlog-proof@v1 (c2sp.org/tlog-proof) whose `extra` line carries the entry's
bytes. `verify_receipt` recomputes the leaf hash from those bytes, checks the checkpoint's
signature with the log keys you trust (C2SP signed-note, Ed25519), the witnesses' cosignatures
you ask for (C2SP tlog-cosignature, cosignature/v1), and the RFC 9162 inclusion proof from the
leaf to the checkpoint's root. Anything it cannot check is a `Refused`, with the reason in words."""

from candor_verify.keys import CosignerKey, BadKey, LogKey
from candor_verify.verify import Refused, Verified, verify_receipt

__all__ = ["CosignerKey", "BadKey", "LogKey", "Refused", "Verified", "verify_receipt"]
