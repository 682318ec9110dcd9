"""No file carries the markers an unfinished merge leaves (``<<<<<<<``, ``>>>>>>>``).

A merge resolved in a hurry once left them in a page of benchmark figures that a reader
of the repository opens first; this catches any file a person reads or the code runs.
"""

import re

from interplay.tests.test_references import _repository_files

MARKER = re.compile(rb"^(<{7}|>{7}) ", re.MULTILINE)
READ = {".py", ".md", ".html", ".txt", ".css", ".js", ".toml", ".json", ".yml", ".cfg", ""}


def test_no_file_holds_a_merge_conflict_marker() -> None:
    found = [
        str(path)
        for path in _repository_files()
        if path.suffix in READ
        and path.stat().st_size < 5_000_000
        and MARKER.search(path.read_bytes())
    ]
    assert found == [], f"merge conflict markers left in: {found}"
