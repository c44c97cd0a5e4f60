"""The log as static resources under /log/ (C2SP tlog-tiles): the checkpoint, the tree's tiles and
the entry bundles. See routes.py and docs/audit-log.md ("Mirroring the log")."""
