"""GET a JSON document politely: a User-Agent, a pace per service, and retries on 429 and 5xx.

The sleep is injectable so tests wait for nothing. Errors say whether the service could not
be reached (``SearchUnavailable``: no network, DNS, timeout) or answered unusably
(``SearchResponseError``); either way the caller writes nothing for that source.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from livingreview import __version__
from livingreview.errors import LivingReviewError

USER_AGENT = f"livingreview/{__version__} (saved searches of a living systematic review)"
MAX_BYTES = 50_000_000
RETRIES = 4  # attempts after the first, for 429 and 5xx
MAX_WAIT = 120.0  # seconds: a longer Retry-After fails the source instead of hanging


class SearchError(LivingReviewError):
    """Base class of the search errors."""


class SearchUnavailable(SearchError):
    """The service could not be reached."""


class SearchResponseError(SearchError):
    """The service answered, but not with what its API documents."""


def url_with(base: str, params: dict[str, str]) -> str:
    return f"{base}?{urllib.parse.urlencode(params)}" if params else base


@dataclass
class Http:
    """One session's requests: ``interval`` seconds at least between two requests."""

    service: str  # a name for messages, e.g. "ClinicalTrials.gov"
    interval: float = 0.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    opener: Callable = urllib.request.urlopen
    timeout: float = 30.0
    requests: list[str] = field(default_factory=list)  # every address requested, in order
    _last: float | None = None

    def _pace(self) -> None:
        if self._last is not None and self.interval > 0:
            wait = self.interval - (self.clock() - self._last)
            if wait > 0:
                self.sleep(wait)
        self._last = self.clock()

    def get_json(self, url: str) -> dict:
        """The JSON object at ``url``, after up to RETRIES retries of 429 and 5xx answers."""
        for attempt in range(RETRIES + 1):
            self._pace()
            self.requests.append(url)
            request = urllib.request.Request(
                url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
            )
            try:
                with self.opener(request, timeout=self.timeout) as response:
                    body = response.read(MAX_BYTES + 1)
            except urllib.error.HTTPError as exc:  # before URLError: HTTPError is a URLError
                retry = exc.code == 429 or 500 <= exc.code < 600
                if not retry or attempt == RETRIES:
                    raise SearchResponseError(
                        f"{self.service} answered HTTP {exc.code} {exc.reason}"
                        + (f" after {attempt + 1} attempts" if retry else "")
                    ) from None
                self.sleep(self._wait(exc, attempt))
                continue
            except urllib.error.URLError as exc:
                raise SearchUnavailable(f"cannot reach {self.service}: {exc.reason}") from None
            except (OSError, http.client.HTTPException) as exc:  # timeouts, resets, cut reads
                raise SearchUnavailable(
                    f"cannot reach {self.service}: {type(exc).__name__}: {exc}"
                ) from None
            if len(body) > MAX_BYTES:
                raise SearchResponseError(f"{self.service} sent more than {MAX_BYTES} bytes")
            try:
                document = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise SearchResponseError(
                    f"{self.service} sent a body that is not JSON ({exc})"
                ) from None
            if not isinstance(document, dict):
                raise SearchResponseError(f"{self.service} sent JSON that is not an object")
            return document
        raise AssertionError("unreachable")

    def _wait(self, exc: urllib.error.HTTPError, attempt: int) -> float:
        """Retry-After (seconds) when the service gives it, else 1, 2, 4... seconds."""
        header = (exc.headers or {}).get("Retry-After", "") if exc.headers else ""
        try:
            wait = float(header)
        except (TypeError, ValueError):
            wait = float(2**attempt)
        if wait > MAX_WAIT:
            raise SearchResponseError(
                f"{self.service} asked to wait {wait:.0f} s (Retry-After); run again later"
            )
        return max(wait, 0.0)
