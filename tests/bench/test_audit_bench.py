"""bench.audit's writers: each run appends under references of its own (they once reused the
same ones in every run, so the second of the three runs was refused at its first append and the
benchmark waited two minutes for a report that never came), and a writer that fails says why at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_migrate import upgrade

import bench.audit
from app import create_app


def test_runs_after_the_first_append_under_references_of_their_own(tmp_path: Path) -> None:
    config = bench.audit.app_config(f"sqlite:///{tmp_path}/bench.sqlite3", str(tmp_path))
    with create_app(config).app_context():
        upgrade()
    runs = [bench.audit.measure_appends(config, 1, 0.2) for _ in range(2)]
    assert all(appended > 0 for appended, *_ in runs)


def test_a_writer_that_fails_is_reported_at_once_with_its_error(tmp_path: Path) -> None:
    config = bench.audit.app_config(f"sqlite:///{tmp_path}/not-migrated.sqlite3", str(tmp_path))
    with pytest.raises(RuntimeError, match="writer 0: OperationalError: .*no such table"):
        bench.audit.measure_appends(config, 1, 0.2)
