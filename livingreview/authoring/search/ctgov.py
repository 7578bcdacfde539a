"""ClinicalTrials.gov API v2: ``GET /studies`` with the strategy's ``query.*`` parameters,
following ``nextPageToken``; ``totalCount`` (asked for by ``countTotal=true``) is the total."""

from __future__ import annotations

from livingreview.authoring.search.http import Http, SearchResponseError, url_with
from livingreview.authoring.search.records import Record, Result, find_ids, normal, year_of

MAX_PAGES = 1000
SERVICE = "ClinicalTrials.gov"


def plan(strategy: dict, base: str, today: str) -> str:
    """The first request, exactly as it will be sent."""
    return url_with(base + strategy["endpoint"], _params(strategy, today))


def _params(strategy: dict, today: str) -> dict[str, str]:
    return {k: " ".join(str(v).format(today=today).split()) for k, v in strategy["params"].items()}


def run(strategy: dict, base: str, http: Http, today: str) -> Result:
    params = _params(strategy, today)
    first = url_with(base + strategy["endpoint"], params)
    records: list[Record] = []
    total: int | None = None
    token, seen = None, set()
    for _ in range(MAX_PAGES):
        url = url_with(
            base + strategy["endpoint"], params | ({"pageToken": token} if token else {})
        )
        page = http.get_json(url)
        studies = page.get("studies")
        if not isinstance(studies, list):
            raise SearchResponseError(f"{SERVICE} sent a page without a 'studies' list ({url})")
        if total is None:
            if not isinstance(page.get("totalCount"), int):
                raise SearchResponseError(f"{SERVICE} sent no 'totalCount' (countTotal=true)")
            total = page["totalCount"]
        records += [parse_study(study) for study in studies]
        token = page.get("nextPageToken")
        if not token:
            break
        if token in seen:
            raise SearchResponseError(f"{SERVICE} sent the same nextPageToken twice")
        seen.add(token)
    else:
        raise SearchResponseError(f"{SERVICE} sent more than {MAX_PAGES} pages")
    return Result(strategy["name"], strategy["source"], first, total or 0, records, http.requests)


def parse_study(study: dict) -> Record:
    """A study of the v2 format: its NCT id first, then the secondary ids it lists."""
    try:
        ident = study["protocolSection"]["identificationModule"]
        nct = ident["nctId"]
    except (KeyError, TypeError):
        raise SearchResponseError(
            f"{SERVICE} sent a study without protocolSection.identificationModule.nctId"
        ) from None
    primary = normal("NCT", str(nct))
    if not primary or not str(nct).upper().startswith("NCT") or len(str(nct)) != 11:
        raise SearchResponseError(f"{SERVICE} sent a study with an invalid NCT id: {nct!r}")
    ids = [primary]
    secondary = [
        str(i.get("id", "")) for i in ident.get("secondaryIdInfos") or [] if isinstance(i, dict)
    ]
    org = (ident.get("orgStudyIdInfo") or {}).get("id", "")
    for text in [*secondary, str(org)]:
        # another study's NCT number listed here (a parent or follow-up trial) must not make
        # this one "known": only other registries' numbers identify the same study
        ids += sorted({i for i in find_ids(text) if not i.startswith("NCT:")} - set(ids))
    status = study["protocolSection"].get("statusModule") or {}
    year = year_of((status.get("startDateStruct") or {}).get("date", "")) or year_of(
        status.get("studyFirstSubmitDate", "")
    )
    title = ident.get("officialTitle") or ident.get("briefTitle") or ""
    sponsor = (
        (study["protocolSection"].get("sponsorCollaboratorsModule") or {}).get("leadSponsor") or {}
    ).get("name", "")
    return Record(
        source=SERVICE,
        ids=tuple(ids),
        title=" ".join(str(title).split()),
        year=year,
        kind="registry record",
        authors=(sponsor,) if sponsor else (),
        journal="ClinicalTrials.gov",
        url=f"https://clinicaltrials.gov/study/{nct}",
    )
