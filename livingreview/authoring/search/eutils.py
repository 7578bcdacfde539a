"""PubMed through NCBI E-utilities: ``esearch`` (JSON, ``retstart``/``retmax`` pages) for the
PMIDs and the total ``count``, then ``esummary`` in batches for titles, years and article ids.

NCBI asks for at most 3 requests a second (10 with an API key, ``NCBI_API_KEY``) and a
``tool`` and ``email`` on every request (``_config.yml`` livingreview.contact). The key is
never written to the log.
"""

from __future__ import annotations

from livingreview.authoring.search.http import Http, SearchResponseError, url_with
from livingreview.authoring.search.records import Record, Result, normal, year_of

SERVICE = "PubMed (E-utilities)"
SUMMARY_BATCH = 200
MAX_PAGES = 1000


def interval(api_key: str) -> float:
    return 0.11 if api_key else 0.34


def _params(strategy: dict, today: str, tool: str, email: str) -> dict[str, str]:
    day = today.replace("-", "/")
    params = {k: " ".join(str(v).format(today=day).split()) for k, v in strategy["params"].items()}
    return params | {"tool": tool, "email": email}


def plan(strategy: dict, base: str, today: str, tool: str, email: str) -> str:
    return url_with(base + strategy["endpoint"], _params(strategy, today, tool, email))


def run(
    strategy: dict, base: str, http: Http, today: str, tool: str, email: str, api_key: str = ""
) -> Result:
    params = _params(strategy, today, tool, email)
    key = {"api_key": api_key} if api_key else {}
    first = url_with(base + strategy["endpoint"], params)  # as logged: without the key
    pmids: list[str] = []
    total: int | None = None
    start = 0
    for _ in range(MAX_PAGES):
        page = http.get_json(
            url_with(base + strategy["endpoint"], params | {"retstart": str(start)} | key)
        )
        result = page.get("esearchresult")
        if not isinstance(result, dict) or "ERROR" in result or "error" in page:
            detail = (result or {}).get("ERROR") if isinstance(result, dict) else page.get("error")
            raise SearchResponseError(f"{SERVICE} esearch failed: {detail or 'no esearchresult'}")
        try:
            count = int(result["count"])
            ids = [str(i) for i in result["idlist"]]
        except (KeyError, TypeError, ValueError):
            raise SearchResponseError(f"{SERVICE} esearch sent no count or idlist") from None
        total = count if total is None else total
        pmids += [i for i in ids if i not in pmids]
        start += len(ids)  # the service may send fewer than retmax
        if not ids or start >= total:
            break
    else:
        raise SearchResponseError(f"{SERVICE} sent more than {MAX_PAGES} pages")
    records = []
    summary = strategy.get("summary_endpoint", "/esummary.fcgi")
    for i in range(0, len(pmids), SUMMARY_BATCH):
        batch = pmids[i : i + SUMMARY_BATCH]
        q = {"db": params.get("db", "pubmed"), "id": ",".join(batch), "retmode": "json"}
        page = http.get_json(url_with(base + summary, q | {"tool": tool, "email": email} | key))
        docs = page.get("result")
        if not isinstance(docs, dict):
            raise SearchResponseError(f"{SERVICE} esummary sent no 'result'")
        for pmid in batch:
            doc = docs.get(pmid)
            if not isinstance(doc, dict) or "error" in doc:
                raise SearchResponseError(f"{SERVICE} esummary has no summary of PMID {pmid}")
            records.append(parse_summary(pmid, doc))
    return Result(strategy["name"], strategy["source"], first, total or 0, records, http.requests)


def parse_summary(pmid: str, doc: dict) -> Record:
    ids = [normal("PMID", pmid)]
    for article in doc.get("articleids") or []:
        kind = {"doi": "DOI", "pmc": "PMCID"}.get(str(article.get("idtype", "")).lower())
        if kind and (ident := normal(kind, str(article.get("value", "")))) and ident not in ids:
            ids.append(ident)
    authors = tuple(str(a.get("name", "")) for a in doc.get("authors") or [] if a.get("name"))
    return Record(
        source="PubMed",
        ids=tuple(i for i in ids if i),
        title=" ".join(str(doc.get("title", "")).split()),
        year=year_of(doc.get("pubdate", "")) or year_of(doc.get("epubdate", "")),
        kind="journal article",
        authors=authors,
        journal=str(doc.get("fulljournalname") or doc.get("source") or ""),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
        extra={"volume": doc.get("volume", ""), "pages": doc.get("pages", "")},
    )
