"""The one static file server: previews (`livingreview serve`), PDF printing and the browser tests.

Loopback only. Python's own ``http.server`` is enough for a folder of static pages; it is
kept quiet (no access log) unless asked.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

from livingreview.errors import LivingReviewError


class ServeFailed(LivingReviewError):
    pass


class LiveReload:
    """Pages served with a watch reload themselves when the book is rebuilt.

    The server adds a small script to every HTML page it sends (the built files stay as they
    are); the script polls ``/__livereload`` on the same loopback server and reloads the page
    when the build generation changes.
    """

    PATH = "/__livereload"
    SCRIPT = (
        "<script>(function(){var g=null;setInterval(function(){fetch('/__livereload',"
        "{cache:'no-store'}).then(function(r){return r.text()}).then(function(t){"
        "if(g!==null&&t!==g){location.reload()}g=t}).catch(function(){})},300)})();</script>"
    )

    def __init__(self) -> None:
        self.generation = 0

    def bump(self) -> None:
        self.generation += 1


class _Handler(http.server.SimpleHTTPRequestHandler):
    quiet = True
    live: LiveReload | None = None

    def do_GET(self):  # noqa: N802 (the base class names it so)
        if self.live is not None and self.path == LiveReload.PATH:
            return self._send(str(self.live.generation).encode(), "text/plain")
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if self.live is not None and path.suffix == ".html" and path.is_file():
            page = path.read_bytes().replace(b"</body>", LiveReload.SCRIPT.encode() + b"</body>", 1)
            return self._send(page, "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 (the base class names it so)
        if not self.quiet:
            super().log_message(format, *args)

    def end_headers(self):
        # A preview must show the latest build, never a cached page.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser that closes a page mid-download (the tests, the PDF printer) is routine:
        # socketserver would print a traceback for each one.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve_folder(
    folder: Path, port: int = 0, quiet: bool = True, live: LiveReload | None = None
) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``folder`` on 127.0.0.1 (port 0: a free one) in a background thread.

    Returns the server (call ``shutdown()`` to stop it) and its base URL.
    """
    handler_class = type("Handler", (_Handler,), {"quiet": quiet, "live": live})
    handler = functools.partial(handler_class, directory=str(folder))
    try:
        server = _Server(("127.0.0.1", port), handler)
    except OSError as exc:
        raise ServeFailed(
            f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}; "
            "choose another port with --port"
        ) from exc
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def preview(project, port: int = 8000, watch: bool = False, report=print) -> None:
    """Serve the built book until Ctrl-C; with ``watch``, rebuild on changes and reload pages."""
    html = project.html_dir
    if not (html / "index.html").is_file():
        raise ServeFailed(f"no book at {project.rel(html)}; run `make book` first")
    live = LiveReload() if watch else None
    server, url = serve_folder(html, port=port, quiet=not watch, live=live)
    report(f"serving {project.rel(html)} at {url}/ (Ctrl-C to stop)")
    try:
        if live is not None:
            from livingreview.book.watch import watch_and_rebuild

            watch_and_rebuild(project, on_built=live.bump, report=report)
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
