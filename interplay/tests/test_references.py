"""Nothing a person reads points to a file that someone who clones the repository lacks.

Walks every template (``*.html``, ``*.txt``, ``*.svg``), every Markdown file (the READMEs
and ``docs/``) and the ``help_text``, ``label`` and ``verbose_name`` strings in the Python
code, and fails on a reference to a file path that does not resolve inside the repository:
``DOMAIN.md``, ``../shared/STYLE.md``, a renamed template, a moved README.
"""

import ast
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Not part of the repository: tools, dependencies and what the commands generate.
EXCLUDED_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "__pycache__",
    "staticfiles",
    "demo-mail",
    "test-results",
    ".make",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}
# Generated at install or run time (make assets, make bench): named, never committed.
GENERATED = ("static/build/", "build/", "bench/out/", "demo-mail/")

TEMPLATE_SUFFIXES = {".html", ".txt", ".svg"}
# A token ending in one of these is taken for a file name.
FILE_TOKEN = re.compile(
    r"\.(?:md|rst|py|html|txt|svg|toml|cfg|ini|json|yml|yaml|scss|css|js|sh|lock|pyi)$"
)
URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+|mailto:\S+", re.IGNORECASE)
SPLIT = re.compile(r"[\s`'\"()\[\]{}|,;]+")
# Placeholders and patterns, not paths: templates/<app>/, */rules.py, {{ name }}.html.
NOT_A_PATH = re.compile(r"[*<>{}%$=@\\]")
# Names that only look like files (manifest.json: the file every service export holds).
NOT_FILES = {"Node.js", "manifest.json"}
PY_STRING_KEYWORDS = {"help_text", "label", "verbose_name", "verbose_name_plural"}


def _in_repository(path: Path) -> bool:
    return not EXCLUDED_DIRS.intersection(path.relative_to(ROOT).parts)


@cache
def _repository_files() -> tuple[Path, ...]:
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in EXCLUDED_DIRS)
        found += [Path(folder, name) for name in sorted(files)]
    return tuple(found)


def _walk(suffixes: set[str]) -> Iterator[Path]:
    return (path for path in _repository_files() if path.suffix in suffixes)


@cache
def _files_by_name() -> dict[str, list[Path]]:
    names: dict[str, list[Path]] = {}
    for path in _repository_files():
        names.setdefault(path.name, []).append(path)
    return names


@cache
def _roots() -> tuple[Path, ...]:
    """Where a path written in prose or a template may start: the repository, the
    package, every app, and every template and static directory."""
    package = ROOT / "interplay"
    apps = [p for p in package.iterdir() if p.is_dir() and _in_repository(p)]
    dirs = [ROOT / "templates", ROOT / "static"]
    dirs += [app / sub for app in apps for sub in ("templates", "static")]
    return (ROOT, package, *apps, *(d for d in dirs if d.is_dir()))


def candidates(text: str) -> Iterator[str]:
    """The tokens in ``text`` that look like a path to a file in the repository."""
    for token in SPLIT.split(URL.sub(" ", text)):
        token = token.split("#", 1)[0].rstrip(".:!?")
        # A token from the root is a URL path (/api/v1/openapi.json), not a repository file.
        url_path = token.startswith("/") and "shared/" not in token
        if not token or token in NOT_FILES or NOT_A_PATH.search(token) or url_path:
            continue
        looks_like_a_file = FILE_TOKEN.search(token) and not token.startswith(".")
        if looks_like_a_file or token.startswith("../") or "shared/" in token:
            yield token


def resolves(token: str, source: Path) -> bool:
    """Whether ``token``, written in ``source``, names a file or folder of the repository."""
    path = token.removeprefix("./")
    if path.startswith(GENERATED):
        return True
    if "/" not in path.rstrip("/") and path in _files_by_name():
        return True
    for base in (source.parent, *_roots()):
        target = (base / path).resolve()
        if not target.is_relative_to(ROOT) or not _in_repository(target):
            continue
        if target.exists():
            return True
    return False


def _python_strings(path: Path) -> Iterator[str]:
    """The strings given as ``help_text=``, ``label=`` or ``verbose_name=``."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.keyword) and node.arg in PY_STRING_KEYWORDS:
            for value in ast.walk(node.value):
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    yield value.value


def _texts() -> Iterator[tuple[Path, str]]:
    for path in _walk(TEMPLATE_SUFFIXES | {".md"}):
        yield path, path.read_text()
    for path in _walk({".py"}):
        parts = path.relative_to(ROOT).parts
        if parts[0] != "interplay" or "tests" in parts or "migrations" in parts:
            continue
        for text in _python_strings(path):
            yield path, text


def broken_references() -> list[str]:
    return sorted(
        {
            f"{path.relative_to(ROOT)}: {token}"
            for path, text in _texts()
            for token in candidates(text)
            if not resolves(token, path)
        }
    )


def test_no_page_or_document_cites_a_file_outside_the_repository() -> None:
    broken = broken_references()
    assert broken == [], "References to files the repository does not have:\n" + "\n".join(broken)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the rules (DOMAIN.md 6.3)", ["DOMAIN.md"]),
        ("see `../shared/STYLE.md`", ["../shared/STYLE.md"]),
        ("see [the rules](docs/clinical-rules.md#5-4).", ["docs/clinical-rules.md"]),
        ('{% include "measures/_outcome_panel.html" %}', ["measures/_outcome_panel.html"]),
        ("https://example.org/a/README.md and `/triage/` and .ics files", []),
        ("templates/<app>/ and */rules.py and {{ name }}.html", []),
    ],
)
def test_it_finds_what_looks_like_a_file(text: str, expected: list[str]) -> None:
    assert list(candidates(text)) == expected


def test_it_resolves_only_files_inside_the_repository() -> None:
    readme = ROOT / "README.md"
    assert resolves("docs/clinical-rules.md", readme)
    assert resolves("measures/_outcome_panel.html", readme)
    assert resolves("interplay/letters/README.md", readme)
    assert not resolves("DOMAIN.md", readme)
    assert not resolves("../shared/STYLE.md", readme)
    assert not resolves("docs/no-such-page.md", readme)
