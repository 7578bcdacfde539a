"""Europe PMC REST ``search`` (JSON), following ``cursorMark`` from ``*`` until the service
sends no new ``nextCursorMark``; ``hitCount`` is the total. Preprints have source PPR."""

from __future__ import annotations

from livingreview.authoring.search.http import Http, SearchResponseError, url_with
from livingreview.authoring.search.records import Record, Result, normal, year_of

SERVICE = "Europe PMC"
MAX_PAGES = 1000


def _params(strategy: dict, today: str) -> dict[str, str]:
    return {k: " ".join(str(v).format(today=today).split()) for k, v in strategy["params"].items()}


def plan(strategy: dict, base: str, today: str) -> str:
    return url_with(base + strategy["endpoint"], _params(strategy, today) | {"cursorMark": "*"})


def run(strategy: dict, base: str, http: Http, today: str) -> Result:
    params = _params(strategy, today)
    first = plan(strategy, base, today)
    records: list[Record] = []
    total: int | None = None
    cursor = "*"
    for _ in range(MAX_PAGES):
        page = http.get_json(url_with(base + strategy["endpoint"], params | {"cursorMark": cursor}))
        try:
            results = page["resultList"]["result"]
            count = int(page["hitCount"])
        except (KeyError, TypeError, ValueError):
            raise SearchResponseError(
                f"{SERVICE} sent a page without hitCount or resultList"
            ) from None
        if not isinstance(results, list):
            raise SearchResponseError(f"{SERVICE} sent a resultList that is not a list")
        total = count if total is None else total
        records += [parse_result(r) for r in results]
        following = page.get("nextCursorMark")
        if not results or not following or following == cursor:
            break
        cursor = following
    else:
        raise SearchResponseError(f"{SERVICE} sent more than {MAX_PAGES} pages")
    return Result(strategy["name"], strategy["source"], first, total or 0, records, http.requests)


def parse_result(item: dict) -> Record:
    if not isinstance(item, dict) or not item.get("id"):
        raise SearchResponseError(f"{SERVICE} sent a result without an id")
    source = str(item.get("source", ""))
    ids = []
    for kind, key in (("PMID", "pmid"), ("PMCID", "pmcid"), ("DOI", "doi")):
        if item.get(key) and (ident := normal(kind, str(item[key]))):
            ids.append(ident)
    if source == "PPR":
        ids.insert(0, normal("PPR", str(item["id"])))
    if not ids:  # a record with no public identifier: Europe PMC's own id
        ids.append(f"EPMC:{source}-{item['id']}")
    return Record(
        source=SERVICE,
        ids=tuple(i for i in ids if i),
        title=" ".join(str(item.get("title", "")).split()),
        year=year_of(item.get("pubYear", "")) or year_of(item.get("firstPublicationDate", "")),
        kind="preprint" if source == "PPR" else "journal article",
        authors=tuple(
            a.strip() for a in str(item.get("authorString", "")).rstrip(".").split(",") if a.strip()
        ),
        journal=str(item.get("journalTitle") or ""),
        url=f"https://europepmc.org/article/{source}/{item['id']}",
    )
