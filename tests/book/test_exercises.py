"""Exercises are numbered by chapter ("Exercise 4.2"), in the HTML as in the PDFs."""

from __future__ import annotations

import re

from livingreview.book.sphinx.exercises import chapter_numbers
from livingreview.data.project import Project


def test_each_chapter_numbers_its_exercises_with_its_chapter_number(built_book):
    html = built_book / "_build" / "html" / "chapters"
    numbers_of = chapter_numbers(Project(built_book))
    seen: set[str] = set()
    chapters = 0
    for source in sorted((built_book / "chapters").glob("*.md")):
        text = source.read_text(encoding="utf-8")
        count = text.count("{exercise}")
        if not count:
            continue
        chapter = numbers_of[f"chapters/{source.stem}"]
        page = (html / f"{source.stem}.html").read_text(encoding="utf-8")
        numbers = re.findall(r'class="caption-number">Exercise ([\d.]+) ', page)
        assert numbers == [f"{chapter}.{n}" for n in range(1, count + 1)], source.name
        assert not seen & set(numbers), source.name  # unique in the whole book
        seen |= set(numbers)
        # each solution names its own exercise's number
        solved = re.findall(r"Solution to<a [^>]*> Exercise ([\d.]+)", page)
        assert solved and set(solved) <= set(numbers), source.name
        chapters += 1
    assert chapters >= 2


def test_chapters_are_numbered_in_the_order_of_the_printed_book(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: chapters/index\nparts:\n"
        "  - chapters: [{file: chapters/a}, {file: chapters/b}]\n"
        "  - chapters: [{file: analyses/x}, {file: chapters/c}]\n"
    )
    numbers = chapter_numbers(Project(tmp_path))
    assert numbers == {"chapters/a": 1, "chapters/b": 2, "chapters/c": 3}
