"""Exercises are numbered within their chapter, in the HTML as in the PDFs."""

from __future__ import annotations

import re


def test_each_chapter_numbers_its_exercises_from_one(built_book):
    html = built_book / "_build" / "html" / "chapters"
    chapters = 0
    for source in sorted((built_book / "chapters").glob("*.md")):
        text = source.read_text(encoding="utf-8")
        count = text.count("{exercise}")
        if not count:
            continue
        page = (html / f"{source.stem}.html").read_text(encoding="utf-8")
        numbers = re.findall(r'class="caption-number">Exercise (\d+) ', page)
        assert numbers == [str(n) for n in range(1, count + 1)], source.name
        # each solution names its own exercise's number
        solved = re.findall(r"Solution to<a [^>]*> Exercise (\d+)", page)
        assert solved and set(solved) <= set(numbers), source.name
        chapters += 1
    assert chapters >= 2
