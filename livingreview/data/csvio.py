"""CSV I/O that keeps an author's file as it is: append one line, or splice changed cells.

Both edits leave every other byte (quoting, line endings, the final newline, the author's
notes) unchanged, so a data change reviews as the lines it really touched.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from livingreview.errors import LivingReviewError


class CsvError(LivingReviewError):
    """A CSV file that cannot be read or edited safely."""


def decode(raw: bytes) -> str:
    """UTF-8 text without a byte-order mark (UnicodeDecodeError for other encodings)."""
    text = raw.decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text


def parse(text: str) -> list[list[str]]:
    """Every record of ``text`` (csv.Error for malformed quoting)."""
    return list(csv.reader(io.StringIO(text, newline="")))


def dict_rows(text: str | None) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows as dictionaries (no text: no rows)."""
    if text is None:
        return [], []
    reader = csv.DictReader(io.StringIO(decode(text.encode("utf-8")), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def newline_of(data: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in data else b"\n"


def encode_row(cells: list[str], newline: bytes = b"\n") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue().encode("utf-8") + newline


def appended(data: bytes, cells: list[str]) -> bytes:
    """``data`` with one more record, in the file's line ending, keeping a missing final newline."""
    newline = newline_of(data)
    row = encode_row(cells, newline)
    if not data or data.endswith(b"\n"):
        return data + row
    return data + newline + row[: -len(newline)]


@dataclass(frozen=True)
class Records:
    """A CSV file as records, each with the exact text it occupies in the file."""

    text: str
    header: list[str]
    spans: list[str]  # raw text of every record, line ending included; "".join(spans) == text
    rows: list[list[str]]  # parsed cells, spans[i + 1] <-> rows[i]

    def splice(self, changes: dict[int, dict[int, str]]) -> str:
        """The text with only the given cells replaced: {row index: {column index: value}}."""
        spans = list(self.spans)
        for row, cells in changes.items():
            spans[row + 1] = _rewrite_record(spans[row + 1], self.rows[row], cells)
        return "".join(spans)


def read_records(path: Path) -> Records:
    text = path.read_bytes().decode("utf-8")
    spans: list[str] = []
    pending: list[str] = []

    def lines():
        for line in io.StringIO(text, newline=""):
            pending.append(line)
            yield line

    records = []
    try:
        for cells in csv.reader(lines()):
            records.append(cells)
            spans.append("".join(pending))
            pending.clear()
    except csv.Error as exc:
        raise CsvError(f"{path.name} cannot be parsed as CSV: {exc}") from exc
    if pending and spans:  # anything the reader consumed without making a record
        spans[-1] += "".join(pending)
    if "".join(spans) != text or not records:
        raise CsvError(f"{path.name} cannot be split into CSV records safely")
    header = records[0]
    if header and header[0].startswith("\ufeff"):
        header = [header[0][1:], *header[1:]]
    return Records(text=text, header=header, spans=spans, rows=records[1:])


def _cell_spans(record: str) -> list[str]:
    """Raw text of every cell of one record (line ending removed), quotes as in the file."""
    cells, i, n = [], 0, len(record)
    while True:
        start = i
        if i < n and record[i] == '"':
            i += 1
            while i < n:
                if record[i] == '"':
                    if i + 1 < n and record[i + 1] == '"':
                        i += 2
                        continue
                    i += 1
                    break
                i += 1
        while i < n and record[i] != ",":
            i += 1
        cells.append(record[start:i])
        if i >= n:
            return cells
        i += 1


def _quote(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _rewrite_record(record: str, cells: list[str], changes: dict[int, str]) -> str:
    """``record`` with only the cells at the given indexes replaced, every other byte kept."""
    body = record.rstrip("\r\n")
    ending = record[len(body) :]
    expected = [changes.get(i, c) for i, c in enumerate(cells)]
    raw = _cell_spans(body)
    if len(raw) == len(cells):
        for i, value in changes.items():
            raw[i] = _quote(value)
        candidate = ",".join(raw)
        if next(csv.reader([candidate]), []) == expected:
            return candidate + ending
    # a dialect the splice does not understand: regenerate the row, keep the line ending
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator=ending or "\n").writerow(expected)
    return out.getvalue() if ending else out.getvalue().rstrip("\n")
