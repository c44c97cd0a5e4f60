"""candor-verify across a signing-key rotation (`flask audit rotate-signing-key`): `--key` is
repeatable, so a verifier holding both keys checks receipts from before and after the hand-over;
the hand-over checkpoint, signed by both, verifies with either and names the next key in words;
a receipt signed only by the new key is refused by the old key alone."""

from __future__ import annotations

from pathlib import Path

from app.audit.keys import current_keys
from tests.app.audit.test_signing_key_rotation import compare, keys, rotate  # noqa: F401  (keys: a fixture)


def vkey(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return current_keys().verifier.verifier_key


def receipt(app, reference: str, path: Path) -> str:  # type: ignore[no-untyped-def]
    printed = app.test_cli_runner().invoke(args=["audit", "receipt", reference])
    assert printed.exit_code == 0, printed.output
    path.write_text(printed.output)
    return str(path)


def test_receipts_across_the_handover(candor_verify, make_apps, market, keys, tmp_path, capsys):  # noqa: F811
    old = make_apps(market.provider_entries(), CANDOR_SIGNING_KEY_FILE=keys["old"])
    before = compare(old.test_client())
    assert rotate(old, keys["new"]).exit_code == 0
    new = make_apps(market.provider_entries(), CANDOR_SIGNING_KEY_FILE=keys["new"])
    old_key, new_key = vkey(old), vkey(new)

    handover = receipt(new, before, tmp_path / "before.tlog-proof")  # proven against the hand-over checkpoint
    assert f"candor-next-key {new_key}\n" in Path(handover).read_text()
    for given in ([old_key], [new_key]):
        assert candor_verify.cli.main([handover, *(argument for key in given for argument in ("--key", key))]) == 0
    out = capsys.readouterr().out
    assert f"announces the log's next signing key: {new_key} (give it with --key" in out

    after = compare(new.test_client())
    assert new.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    later = receipt(new, after, tmp_path / "after.tlog-proof")
    assert candor_verify.cli.main([later, "--key", old_key, "--key", new_key]) == 0
    capsys.readouterr()
    assert candor_verify.cli.main([later, "--key", old_key]) == 1
    assert "not signed by any key you gave for 'candor.example/recommendations'" in capsys.readouterr().err
