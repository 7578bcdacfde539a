"""`livingreview serve` on a port another program holds: one clear line, no traceback."""

from __future__ import annotations

import socket

from conftest import cli


def test_a_busy_port_gives_one_line_and_a_non_zero_exit(mini_project):
    html = mini_project / "_build" / "html"
    html.mkdir(parents=True)
    (html / "index.html").write_text("<html></html>")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli(mini_project, "serve", "--port", str(port))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "--port" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
