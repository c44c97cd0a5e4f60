"""The recommendation log: append-only entries whose leaves feed an RFC 9162 Merkle tree."""
