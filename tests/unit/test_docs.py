"""The README and docs/ resolve inside a clone: every relative link names a file that
exists (and a heading that exists, for a link into a Markdown file), nothing points
outside the repository, the README stays a guide of at most 300 lines, and its settings
table lists every setting dagster_project/settings.py reads."""

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCS = sorted((REPO / "docs").glob("*.md"))
MARKDOWN = [README, *DOCS]

_FENCE = re.compile(r"^ *(```|~~~).*?^ *\1 *$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)
_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:, ...


def _prose(text: str) -> str:
    """The text without fenced code blocks and code spans, where a [x](y) is no link."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def _links(path: Path) -> list[str]:
    prose = _prose(path.read_text(encoding="utf-8"))
    return _INLINE_LINK.findall(prose) + _REFERENCE_LINK.findall(prose)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text (no Markdown), lower-cased, with every
    character but letters, digits, underscores, hyphens and spaces dropped, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text
    text = re.sub(r"[`*]", "", text)
    text = re.sub(r"(?<!\w)_+|_+(?!\w)", "", text)  # _emphasis_, not snake_case
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    """Every heading's anchor, duplicates numbered as GitHub numbers them (-1, -2, ...)."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in _HEADING.findall(_FENCE.sub("", path.read_text(encoding="utf-8"))):
        slug = _slug(heading)
        anchors.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _relative_links() -> list[tuple[Path, str]]:
    return [(path, link) for path in MARKDOWN for link in _links(path) if not _EXTERNAL.match(link)]


def test_the_docs_exist():
    assert README.exists() and DOCS, "README.md and docs/*.md are what this test reads"
    assert _relative_links(), "no relative link found: the link pattern no longer matches"


@pytest.mark.parametrize("path,link", _relative_links(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_every_relative_link_resolves_inside_the_repository(path, link):
    target, _, anchor = link.partition("#")
    resolved = (path.parent / target).resolve() if target else path
    assert resolved.is_relative_to(REPO), f"{path.name}: {link} points outside the repository"
    assert resolved.exists(), f"{path.name}: {link} names {resolved.relative_to(REPO)}, which does not exist"
    if anchor and resolved.suffix == ".md":
        assert anchor in _anchors(resolved), (
            f"{path.name}: {link} names no heading of {resolved.relative_to(REPO)} "
            f"(its anchors: {', '.join(sorted(_anchors(resolved)))})"
        )


def test_the_slugs_are_githubs():
    assert _slug("Audits and publishing (write-audit-publish)") == "audits-and-publishing-write-audit-publish"
    assert _slug("How well it works: `make calibrate`") == "how-well-it-works-make-calibrate"
    assert _slug("What changes with `IMPACT_ENGINE=spark`, and what stays") == (
        "what-changes-with-impact_enginespark-and-what-stays")


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.name)
def test_nothing_points_to_the_shared_folder_outside_the_clone(path):
    text = path.read_text(encoding="utf-8")
    found = [line for line in text.splitlines() if "../shared" in line or "/work/shared" in line]
    assert not found, f"{path.name} refers to a folder outside the repository: {found}"


def test_the_readme_is_a_guide_of_at_most_300_lines():
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= 300, f"README.md has {lines} lines: move detail to docs/"


def test_the_readme_links_every_document_in_docs():
    linked = {(README.parent / link.partition("#")[0]).resolve() for link in _links(README) if not _EXTERNAL.match(link)}
    assert not [p.name for p in DOCS if p.resolve() not in linked]


class _RecordingEnviron(dict):
    """os.environ without any IMPACT_* variable, noting every name looked up."""

    def __init__(self, values):
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


def _settings_read(monkeypatch) -> set[str]:
    """Every IMPACT_* name Settings.from_env reads from the environment."""
    from dagster_project import settings

    environ = _RecordingEnviron({k: v for k, v in os.environ.items() if not k.startswith("IMPACT_")})
    monkeypatch.setattr(settings.os, "environ", environ)
    settings.Settings.from_env()
    return {name for name in environ.read if name.startswith("IMPACT_")}


def _readme_settings_table() -> str:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Settings\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert section, "README.md has no '## Settings' section"
    return "\n".join(line for line in section.group(1).splitlines() if line.startswith("|"))


def test_every_setting_is_in_the_readmes_settings_table(monkeypatch):
    read = _settings_read(monkeypatch)
    assert {"IMPACT_DATA_DIR", "IMPACT_LANDING_DIR", "IMPACT_PERSON_KEY_SECRET", "IMPACT_ENGINE"} <= read
    # Each field of Settings but the derived ones is a setting: the recording must see them all.
    assert len(read) > 15, f"only {sorted(read)} read: the recording missed how settings.py reads them"
    table = set(re.findall(r"IMPACT_[A-Z0-9_]+", _readme_settings_table()))
    assert not sorted(read - table), f"settings missing from README.md's settings table: {sorted(read - table)}"
