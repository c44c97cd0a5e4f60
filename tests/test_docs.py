"""The README and docs/ hold in a fresh clone: every relative link leads to a file of the
repository, and the README's walkthrough, followed field by field, gets a comparison."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
INLINE_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def relative_links(markdown: str) -> list[str]:
    text = FENCE.sub("", markdown)
    targets = INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)
    return [target for target in targets if not re.match(r"^([a-z][a-z0-9+.-]*:|#)", target, re.IGNORECASE)]


def broken_links(document: Path, root: Path = ROOT) -> list[str]:
    broken = []
    for target in relative_links(document.read_text(encoding="utf-8")):
        path = (document.parent / target.split("#", 1)[0]).resolve()
        if not path.is_relative_to(root) or not path.exists():
            broken.append(target)
    return broken


@pytest.mark.parametrize("document", DOCUMENTS, ids=[str(path.relative_to(ROOT)) for path in DOCUMENTS])
def test_every_relative_link_points_at_a_file_of_the_repository(document: Path) -> None:
    assert broken_links(document) == []


def test_the_link_check_catches_a_link_out_of_the_repository(tmp_path: Path) -> None:
    readme = ROOT / "README.md"
    assert "docs/design.md" in relative_links(readme.read_text(encoding="utf-8"))
    # A clone with the shared notes beside it, as on a developer's machine: a link to them still
    # breaks in any other clone, so it counts as broken.
    clone = tmp_path / "candor"
    (clone / "docs").mkdir(parents=True)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "DESIGN.md").write_text("notes\n", encoding="utf-8")
    (clone / "docs" / "api.md").write_text("# API\n", encoding="utf-8")
    page = clone / "docs" / "design.md"
    page.write_text("See [the notes](../../shared/DESIGN.md), [gone](missing.md), [ok](api.md#errors), "
                    "[web](https://example.com) and [here](#top).\n", encoding="utf-8")
    assert broken_links(page, clone) == ["../../shared/DESIGN.md", "missing.md"]


def walkthrough(product_heading: str) -> dict[str, str]:
    """The README's table for one product line: field label → what to enter."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(rf"^\| {re.escape(product_heading)} \| what to enter \|\n\| --- \| --- \|\n((?:\|.*\|\n)+)",
                      readme, re.MULTILINE)
    assert table, f"the README has no walkthrough table for {product_heading}"
    rows = [row.strip("|").split("|", 1) for row in table.group(1).splitlines()]
    return {label.strip(): re.search(r"`([^`]+)`", value).group(1) for label, value in rows}


def defaults_and_labels(page: str) -> tuple[dict[str, str], dict[str, BeautifulSoup]]:
    form = BeautifulSoup(page, "html.parser").find("form", class_="profile-form")
    answers = {tag["name"]: tag.get("value", "") for tag in form.find_all("input")}
    for select in form.find_all("select"):
        chosen = select.find("option", selected=True) or select.find("option")
        answers[select["name"]] = chosen["value"]
    fields = {label.get_text(strip=True): form.find(id=label["for"]) for label in form.find_all("label")}
    return answers, fields


def as_posted(field: BeautifulSoup, written: str) -> str:
    if field.name == "select":
        return next(option["value"] for option in field.find_all("option") if option.get_text(strip=True) == written)
    if field.get("type") == "date":
        return datetime.strptime(written, "%B %d, %Y").date().isoformat()
    return written


@pytest.mark.parametrize(("product", "heading"), [("auto", "Auto insurance"), ("mortgage", "Mortgage"),
                                                      ("refinance", "Refinance")])
def test_the_readme_walkthrough_followed_field_by_field_gets_a_comparison(client: FlaskClient, product: str,
                                                                         heading: str) -> None:
    answers, fields = defaults_and_labels(client.get(f"/compare/{product}").get_data(as_text=True))
    for label, written in walkthrough(heading).items():
        assert label in fields, f"the README names a field the form does not have: {label}"
        answers[fields[label]["name"]] = as_posted(fields[label], written)
    answers.pop("progress", None)
    response = client.post(f"/compare/{product}", data=answers)
    assert response.status_code == 303, BeautifulSoup(response.get_data(as_text=True), "html.parser").find(
        id="error-summary")
