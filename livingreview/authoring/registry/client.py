"""A small ClinicalTrials.gov API v2 client: one study record by NCT id, or a clear error.

Python's urllib is enough for one GET per trial; the errors say whether the registry could not
be reached (no network: nothing changes) or answered with something unusable. The base URL comes
from ``authoring.sources`` (``_config.yml`` ``livingreview.sources.ctgov``, or
``LIVINGREVIEW_CTGOV_URL`` for a mirror or a local test server).
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable

from livingreview import __version__
from livingreview.errors import LivingReviewError

DEFAULT_BASE = "https://clinicaltrials.gov/api/v2"  # the project's is in _config.yml
USER_AGENT = f"livingreview/{__version__} (registry refresh of a living systematic review)"
MAX_RESPONSE_BYTES = 20_000_000
NCT_ID = re.compile(r"^NCT\d{8}$")


class RegistryError(LivingReviewError):
    """Base class of the registry client's errors."""


class RegistryUnavailable(RegistryError):
    """ClinicalTrials.gov could not be reached (no network, DNS, timeout, TLS...)."""


class RegistryResponseError(RegistryError):
    """The registry answered, but not with a usable study record."""


def fetch_study(
    nct_id: str,
    opener: Callable = urllib.request.urlopen,
    timeout: float = 20,
    base: str = DEFAULT_BASE,
) -> dict:
    """The raw JSON record of one study from the ClinicalTrials.gov API v2 at ``base``.

    Raises RegistryUnavailable when the registry cannot be reached and RegistryResponseError
    for an HTTP error (404 for an unknown id, 429, 5xx...) or a body that is not a JSON object.
    """
    if not NCT_ID.match(nct_id or ""):
        raise ValueError(f"not a ClinicalTrials.gov id: {nct_id!r}")
    url = f"{base.rstrip('/')}/studies/{nct_id}"
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
    )
    try:
        with opener(request, timeout=timeout) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:  # before URLError: HTTPError is a URLError
        raise RegistryResponseError(
            f"ClinicalTrials.gov answered HTTP {exc.code} {exc.reason} for {nct_id}"
        ) from exc
    except urllib.error.URLError as exc:
        raise RegistryUnavailable(
            f"cannot reach ClinicalTrials.gov at {base}: {exc.reason}; nothing was changed"
        ) from exc
    except (OSError, http.client.HTTPException) as exc:  # timeouts, resets, TLS, cut-off reads
        raise RegistryUnavailable(
            f"cannot reach ClinicalTrials.gov at {base}: {type(exc).__name__}: {exc}; "
            "nothing was changed"
        ) from exc
    if len(body) > MAX_RESPONSE_BYTES:
        raise RegistryResponseError(f"the record of {nct_id} is larger than expected")
    try:
        record = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RegistryResponseError(
            f"ClinicalTrials.gov sent something that is not JSON for {nct_id}: {exc}"
        ) from exc
    if not isinstance(record, dict):
        raise RegistryResponseError(f"expected a JSON object for {nct_id}, got {type(record)}")
    return record
