"""candor-witness: a transparency-log witness per C2SP tlog-witness.

It keeps, for every log it is configured to watch, the latest checkpoint it cosigned, and cosigns a
newer checkpoint (C2SP tlog-cosignature, Ed25519 cosignature/v1) only when the log's signature
verifies and an RFC 6962 consistency proof shows the new tree extends the old one. It depends on
nothing but `cryptography`, so the people who run it need not trust the log's code."""

__version__ = "0.1.0"
