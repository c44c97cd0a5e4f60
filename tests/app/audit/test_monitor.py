"""`flask audit monitor` following our log and a mirror of it over real HTTP on loopback. The mirror
is a plain directory of files copied from /log/ and served by a static file server — nothing of
Candor — as anyone could run. A split view, a rewritten history, tiles that do not match, a
forged checkpoint and an unreachable source each end in the right exit code and words."""

from __future__ import annotations

import functools
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import Flask

from app.audit.checkpoints import checkpoint_now, sign
from app.audit.keys import current_keys
from app.audit.tile_client import fetch_checkpoint, http_fetcher
from app.audit.tiles import TILE_HEIGHT, TILE_WIDTH, tile_path
from app.cli.witness_process import start_witness
from app.db import db
from app.audit.note import CheckpointText, Signer
from providers.testing.servers import LoopbackServer, closed_port
from tests.app.audit.conftest import add_many
from tests.app.audit.test_api import token
from tests.server_support import PROJECT_ROOT, VENV_BIN
from tests.tools.witness_log import submit


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


@pytest.fixture
def static_server() -> Iterator:  # type: ignore[type-arg]
    """static_server(directory) -> the URL of a plain file server for it."""
    servers: list[ThreadingHTTPServer] = []

    def serve(directory: Path) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietFiles, directory=str(directory)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def mirror(url: str, directory: Path) -> int:
    """Copies the checkpoint and every tile of its tree into `directory`, laid out as the paths
    are (what `wget -r` of the right list would do). Returns the tree size."""
    fetch = http_fetcher(url)
    note = fetch_checkpoint(fetch)
    size = CheckpointText.parse(note[: note.index("\n\n") + 1]).size
    level = 0
    while size >> (TILE_HEIGHT * level):
        count = size >> (TILE_HEIGHT * level)
        for index in range((count + TILE_WIDTH - 1) // TILE_WIDTH):
            path = tile_path(level, index, min(TILE_WIDTH, count - index * TILE_WIDTH))
            (directory / path).parent.mkdir(parents=True, exist_ok=True)
            (directory / path).write_bytes(fetch(path, 8192))
        level += 1
    (directory / "checkpoint").write_text(note, encoding="utf-8")
    return size


def monitor(app: Flask, state: Path, *arguments: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "monitor", "--state", str(state), *arguments])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def grow_and_sign(app: Flask, count: int) -> int:
    with app.app_context():
        add_many(count)
        signed = checkpoint_now(db.session)
        db.session.commit()
        return signed.tree_size


@pytest.fixture
def site(app: Flask) -> Iterator[str]:
    with LoopbackServer(app) as server:
        yield f"{server.url}/log"


def test_it_follows_our_log_and_a_mirror_as_they_grow(app, site, static_server, tmp_path) -> None:
    state = tmp_path / "monitor.json"
    grow_and_sign(app, 20)
    code, said = monitor(app, state, site)
    assert code == 0, said
    assert said == f"ok: {site}: the checkpoint of 20 entries matches its tiles\n"
    size = grow_and_sign(app, 290)
    mirrored = tmp_path / "mirror"
    mirror(site, mirrored)
    mirror_url = static_server(mirrored)
    code, said = monitor(app, state, site, mirror_url)
    assert code == 0, said
    assert f"ok: {site}: the checkpoint of {size} entries matches its tiles and is consistent with the " \
           f"checkpoint of 20 seen before" in said
    assert f"ok: {mirror_url}: the checkpoint of {size} entries matches its tiles and is the one seen before" in said
    grow_and_sign(app, 3)
    code, said = monitor(app, state, site, mirror_url)  # the mirror now lags behind: still consistent
    assert code == 0, said
    assert f"ok: {mirror_url}: the checkpoint of {size} entries matches its tiles and is the one seen before " \
           f"and is consistent with the checkpoint of {size + 3} seen before" in said


def test_the_entries_can_be_checked_too_with_a_token(app, site, tmp_path) -> None:
    secret = token(app)["Authorization"].removeprefix("Bearer ")
    grow_and_sign(app, 270)
    code, said = monitor(app, tmp_path / "m.json", site, "--entries", "--token", secret)
    assert code == 0 and "; 271 entries hash to their leaves" in said, said
    code, said = monitor(app, tmp_path / "n.json", site, "--entries")
    assert code == 2 and "answered HTTP 401" in said


def test_a_split_view_raises_the_alarm(app, site, static_server, tmp_path) -> None:
    """Someone holding our key shows the mirror another tree of the same size."""
    size = grow_and_sign(app, 12)
    mirrored = tmp_path / "mirror"
    mirror(site, mirrored)
    with app.app_context():
        other_root = bytes(range(32))
        (mirrored / "checkpoint").write_text(sign(current_keys(), size, other_root), encoding="utf-8")
    state = tmp_path / "monitor.json"
    assert monitor(app, state, site)[0] == 0
    code, said = monitor(app, state, static_server(mirrored))
    assert code == 1
    assert f"SPLIT VIEW: two checkpoints of {size} entries with different roots" in said
    assert said.count("— candor.example/recommendations ") == 2, "both signed notes are printed as evidence"


def test_a_rewritten_history_raises_the_alarm(app, make_apps, site, static_server, tmp_path, database_url) -> None:
    """A mirror of a log that starts like ours but rewrote an entry: same key, same origin, larger
    size, tiles matching its own checkpoint — and no consistency proof from what we saw."""
    grow_and_sign(app, 30)
    state = tmp_path / "monitor.json"
    assert monitor(app, state, site)[0] == 0
    fork = make_apps([], SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fork.sqlite3'}")
    with fork.app_context():
        add_many(40, channel="console")
        checkpoint_now(db.session)
        db.session.commit()
    with LoopbackServer(fork) as forked:
        code, said = monitor(app, state, f"{forked.url}/log")
    assert code == 1
    assert "ALARM" in said and "consistency proof does not lead to the head of the tree of 30 leaves" in said


def test_tiles_that_do_not_match_the_checkpoint_raise_the_alarm(app, site, static_server, tmp_path) -> None:
    grow_and_sign(app, 9)
    mirrored = tmp_path / "mirror"
    mirror(site, mirrored)
    tile = mirrored / "tile" / "0" / "000.p" / "9"
    tile.write_bytes(bytes(32) + tile.read_bytes()[32:])
    code, said = monitor(app, tmp_path / "m.json", static_server(mirrored))
    assert code == 1 and "do not hash to its root" in said


def test_a_checkpoint_not_signed_by_the_log_raises_the_alarm(app, site, static_server, tmp_path) -> None:
    grow_and_sign(app, 4)
    mirrored = tmp_path / "mirror"
    mirror(site, mirrored)
    impostor = Signer.from_seed("candor.example/recommendations", b"\x09" * 32)
    text = (mirrored / "checkpoint").read_text(encoding="utf-8")
    (mirrored / "checkpoint").write_text(impostor.sign(text[: text.index("\n\n") + 1]), encoding="utf-8")
    code, said = monitor(app, tmp_path / "m.json", static_server(mirrored))
    assert code == 1 and "its checkpoint is not one our key signed" in said


def test_what_cannot_be_reached_is_not_checked(app, site, static_server, tmp_path) -> None:
    grow_and_sign(app, 4)
    code, said = monitor(app, tmp_path / "m.json", f"http://127.0.0.1:{closed_port()}/log")
    assert code == 2 and "did not answer (ConnectionError)" in said
    empty = tmp_path / "empty"
    empty.mkdir()
    code, said = monitor(app, tmp_path / "m.json", static_server(empty))
    assert code == 2 and "answered HTTP 404" in said
    code, said = monitor(app, tmp_path / "m.json", site, "--key", "not-a-key")
    assert code == 2 and "a verifier key is" in said


def test_following_a_mirror_stops_with_the_alarm_when_it_shows_another_history(app, site, static_server,
                                                                                tmp_path) -> None:
    """`flask audit monitor --follow` as its own process: quiet while the mirror is consistent,
    exit 1 with the alarm once the mirror's checkpoint shows another tree of the same size."""
    size = grow_and_sign(app, 10)
    mirrored = tmp_path / "mirror"
    mirror(site, mirrored)
    mirror_url = static_server(mirrored)
    with app.app_context():
        key = current_keys().verifier.verifier_key
        forged = sign(current_keys(), size, bytes(range(32)))
    environment = {**os.environ, "DATABASE_URL": str(app.config["SQLALCHEMY_DATABASE_URI"])}
    command = [str(VENV_BIN / "flask"), "--app", "wsgi", "audit", "monitor", site, mirror_url, "--key", key,
               "--state", str(tmp_path / "follow.json"), "--follow", "--interval", "1"]
    output = tmp_path / "follow.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while output.read_text().count("ok: ") < 4 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert process.poll() is None, output.read_text()
        (mirrored / "checkpoint").write_text(forged, encoding="utf-8")
        assert process.wait(timeout=60) == 1
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    said = output.read_text()
    assert said.count("ok: ") >= 4 and "SPLIT VIEW" in said, said


def test_a_witness_holding_another_tree_of_ours_is_a_split_view(app, site, tmp_path) -> None:
    """The monitor asks witnesses which checkpoint of ours they last cosigned (c2sp.org/tlog-witness,
    GET /<origin hash>/checkpoint) and checks it against the log's own tiles."""
    size = grow_and_sign(app, 10)
    with app.app_context():
        keys = current_keys()
        log_key = keys.verifier.verifier_key
        genuine = checkpoint_now(db.session).note
        forged = sign(keys, size, bytes(range(32)))  # another tree of the same size, with our key
    with start_witness(tmp_path / "honest", "witness.test/honest", [log_key]) as honest, \
            start_witness(tmp_path / "misled", "witness.test/misled", [log_key]) as misled:
        assert submit(honest.url, f"old 0\n\n{genuine}".encode()).status_code == 200
        assert submit(misled.url, f"old 0\n\n{forged}".encode()).status_code == 200
        code, said = monitor(app, tmp_path / "a.json", site, "--witness-url", honest.url)
        assert code == 0, said
        assert f"the checkpoint of {size} entries matches the log tiles and is the one seen before" in said
        code, said = monitor(app, tmp_path / "b.json", site, "--witness-url", honest.url, "--witness-url", misled.url)
    assert code == 1
    assert f"ALARM: {misled.url}/" in said and f"SPLIT VIEW: two checkpoints of {size} entries" in said
    with app.app_context():
        older_forgery = sign(keys, size - 2, bytes(range(32)))  # a size the log showed nobody: checked by tiles
    with start_witness(tmp_path / "misled-early", "witness.test/early", [log_key]) as early:
        assert submit(early.url, f"old 0\n\n{older_forgery}".encode()).status_code == 200
        code, said = monitor(app, tmp_path / "c.json", site, "--witness-url", early.url)
    assert code == 1
    assert f"SPLIT VIEW: the witness holds a checkpoint signed by candor.example/recommendations whose root is " \
           f"not that of the log's tree of {size - 2} entries" in said


def test_a_state_file_of_another_log_or_garbage_is_refused(app, site, tmp_path) -> None:
    grow_and_sign(app, 2)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    code, said = monitor(app, garbage, site)
    assert code == 2 and "is not a monitor's state for this log" in said
    other = tmp_path / "other.json"
    other.write_text('{"origin": "elsewhere.example/log", "latest": null, "seen": {}}')
    code, said = monitor(app, other, site)
    assert code == 2 and "follows the log 'elsewhere.example/log'" in said
