import pytest

from livingreview.data import csvio
from livingreview.data.files import sync_file, write_atomic


def test_append_keeps_line_endings_and_a_missing_final_newline():
    assert csvio.appended(b"a,b\r\n1,2\r\n", ["3", "x,y"]) == b'a,b\r\n1,2\r\n3,"x,y"\r\n'
    assert csvio.appended(b"a,b\n1,2", ["3", "4"]) == b"a,b\n1,2\n3,4"


def test_splice_rewrites_only_the_changed_cells(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b'id,note,n\r\nA,"keep ""this"", exactly",1\r\nB,plain,2\r\n')
    records = csvio.read_records(path)
    text = records.splice({1: {2: "3"}})
    assert text == 'id,note,n\r\nA,"keep ""this"", exactly",1\r\nB,plain,3\r\n'
    assert records.splice({0: {1: "now, quoted"}}).splitlines()[1] == 'A,"now, quoted",1'


def test_a_file_that_cannot_be_split_safely_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"")
    with pytest.raises(csvio.CsvError):
        csvio.read_records(path)


def test_atomic_write_keeps_permissions_and_sync_skips_equal_bytes(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")
    path.chmod(0o640)
    write_atomic(path, "new")
    assert path.read_text() == "new" and path.stat().st_mode & 0o777 == 0o640
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    assert sync_file(b"new", path) is False
    assert sync_file(b"newer", path) is True and path.read_text() == "newer"
