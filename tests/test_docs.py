"""The repository explains itself: no pointer to files outside it, no link to a missing section."""

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["README.md", "Makefile", "pyproject.toml", "bench", "devices", "docs", "supportdesk"]
SOURCES += ["templates", "tests"]
SUFFIXES = {".py", ".md", ".html", ".txt", ".toml", ".cfg", ".po", ".sh", ".lua", ""}

# Split so that this file does not match itself.
OUTSIDE = re.compile(
    "|".join(
        [
            r"/work" + r"/",
            r"\.\./" + r"shared",
            r"vendor-api/",
            r"oss-api\." + r"zh",
            r"(?<![\w/-])(?:signing|notes)" + r"\.md",
        ]
    )
)
DOC_LINK = re.compile(r"\b(docs/[\w./-]+\.md)(?:#([\w-]+))?")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
LOCAL_LINK = re.compile(r"\]\(#([\w-]+)\)")


def repository_files() -> list[Path]:
    found = []
    for name in SOURCES:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        found += [
            p
            for p in candidates
            # Installed packages (the test identity provider's) are not the repository's text.
            if p.is_file() and p.suffix in SUFFIXES and "node_modules" not in p.parts
        ]
    return found


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = heading.strip().lower()
    kept = "".join(
        ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in ("L", "N", "M")
    )
    return kept.replace(" ", "-")


def anchors_of(doc: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", doc.read_text(), flags=re.M | re.S)
    return {anchor(heading) for heading in HEADING.findall(text)}


def test_the_anchor_of_a_heading_is_githubs():
    assert anchor("Device info") == "device-info"
    assert anchor("deviceInfo") == "deviceinfo"
    assert anchor("Known-answer vectors") == "known-answer-vectors"
    assert anchor("What `data` holds (and why)") == "what-data-holds-and-why"


def test_no_file_points_outside_the_repository():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in repository_files()
        if path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_every_cited_section_of_the_docs_exists():
    cited = [
        (path, document, section)
        for path in repository_files()
        for document, section in DOC_LINK.findall(path.read_text(errors="replace"))
    ]
    assert cited, "no file cites docs/ at all"
    missing = [
        f"{path.relative_to(ROOT)} cites {document}#{section}".rstrip("#")
        for path, document, section in cited
        if not exists(document, section)
    ]
    assert missing == []


def exists(document: str, section: str) -> bool:
    doc = ROOT / document
    return doc.is_file() and (not section or section in anchors_of(doc))


@pytest.mark.parametrize("doc", sorted((ROOT / "docs").glob("*.md")), ids=lambda p: p.name)
def test_every_link_inside_a_document_reaches_a_heading(doc):
    assert set(LOCAL_LINK.findall(doc.read_text())) - anchors_of(doc) == set()
