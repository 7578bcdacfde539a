"""The evidence tables as readers see them in the chapters, built from the data files."""

from __future__ import annotations

import pandas as pd

from livingreview.analysis.confirmation import confirmed, count_phrase, mark
from livingreview.analysis.display import Links, ReadingTable
from livingreview.analysis.i18n import declare as i18n_declare
from livingreview.analysis.i18n import translate_cells
from livingreview.data.bib import anchor, citation_labels, require_label
from livingreview.data.package import load_table, resources, split_list
from livingreview.data.project import Project
from livingreview.data.screening import MEETS

# Where the bibliography is, from a page one folder deep (chapters/ and analyses/).
BIBLIOGRAPHY = "../chapters/bibliography.html"


def reference_links(value: str, labels: dict[str, str], where: str = "") -> Links:
    """A cell of reference keys as author-year links to their bibliography entries."""
    return Links(
        tuple(
            (require_label(labels, key, where), f"{BIBLIOGRAPHY}#{anchor(key)}")
            for key in split_list(value)
        )
    )


def _shown(frame: pd.DataFrame, columns: dict[str, str], name: str, project) -> pd.DataFrame:
    """The columns readers see, renamed; reference-key columns become links (they are never
    shown as raw keys, and a key missing from references.bib stops the analysis)."""
    shown = frame[list(columns)].astype("string").fillna("")
    keyed = [f.name for f in resources(project)[name].fields if f.bibkeys and f.name in columns]
    if keyed:
        labels = citation_labels(project)
        for column in keyed:
            where = f"data/{resources(project)[name].path}, column '{column}'"
            links = [reference_links(v, labels, where) for v in shown[column]]
            shown[column] = pd.Series(links, index=shown.index, dtype=object)
    return shown.rename(columns=columns)


def preclinical_table(project: Project | None = None) -> pd.DataFrame:
    studies = load_table("preclinical_studies", project).sort_values(["year", "study_id"])
    studies = translate_cells(studies, "preclinical_studies", project=project)
    studies = studies.assign(main_finding=mark(studies["main_finding"], confirmed(studies)))
    return _shown(
        studies,
        {
            "ref_key": "Reference",
            "year": "Year",
            "species": "Species",
            "sepsis_model": "Sepsis model",
            "cell_source": "Cell source",
            "product": "Product",
            "route": "Route",
            "timing": "Timing",
            "organ": "Organ",
            "main_finding": "Main finding",
            "risk_of_bias": "Risk of bias",
            "eligibility": "Eligibility",
        },
        "preclinical_studies",
        project,
    )


def clinical_table(project: Project | None = None) -> pd.DataFrame:
    studies = load_table("clinical_studies", project).sort_values(["year", "study_id"])
    studies = translate_cells(studies, "clinical_studies", project=project)
    ok = confirmed(studies)
    studies = studies.assign(
        safety_finding=mark(studies["safety_finding"], ok),
        efficacy_finding=mark(studies["efficacy_finding"], ok),
    )
    return _shown(
        studies,
        {
            "ref_key": "Reference",
            "year": "Year",
            "design": "Design",
            "phase": "Phase",
            "population": "Population",
            "cell_source": "Cell source",
            "route": "Route",
            "safety_finding": "Safety",
            "efficacy_finding": "Efficacy",
            "risk_of_bias": "Risk of bias",
        },
        "clinical_studies",
        project,
    )


def _joined(*parts: object) -> str:
    from livingreview.analysis import i18n

    # "；" in Chinese: a half-width separator between Chinese phrases is a typo there
    return i18n.gettext("; ").join(str(p) for p in parts if not pd.isna(p) and str(p).strip())


def clinical_reading_table(caption: str = "", project: Project | None = None) -> ReadingTable:
    """The clinical studies for reading: one line per report with the columns a clinician
    scans (study, year, design, patients, population, intervention, main result, risk of
    bias), its remaining fields folded under it, filters by design, population and cell source.

    The main result gives the efficacy finding and the safety finding as the data words them;
    an unconfirmed finding carries the marker, which the table shows as one symbol per cell.
    """
    from livingreview.analysis import i18n

    data = load_table("clinical_studies", project).sort_values(["year", "study_id"])
    ok = confirmed(data)
    labels = citation_labels(project)
    where = "data/clinical_studies.csv, column 'ref_key'"
    ref_key = dict(zip(data["study_id"], data["ref_key"], strict=True))
    # the cells in the edition's words before they are joined into composite cells
    studies = i18n.translate_cells(data, "clinical_studies", project=project)
    efficacy = mark(studies["efficacy_finding"], ok)
    safety = mark(studies["safety_finding"], ok)
    design = [
        # the phase cell is already in the edition's words (Chinese: "Ⅰ期"), its template adds none
        i18n.format("{design}; phase {phase}", design=d, phase=ph) if not pd.isna(ph) else d
        for d, ph in zip(studies["design"], studies["phase"], strict=True)
    ]
    main_result = [
        (
            i18n.format("{label}: {text}", label=i18n.gettext("Efficacy"), text=e),
            i18n.format("{label}: {text}", label=i18n.gettext("Safety"), text=sf),
        )
        for e, sf in zip(efficacy, safety, strict=True)
    ]
    frame = pd.DataFrame(
        {
            # a study outside the rule (or awaiting classification) says so under its citation
            "Study": [
                reference_links(k, labels, where)
                if rule in ("", MEETS)
                else (reference_links(k, labels, where), shown_rule)
                for k, rule, shown_rule in zip(
                    data["ref_key"],
                    data.get("eligibility", pd.Series("", index=data.index)).fillna(""),
                    studies.get("eligibility", pd.Series("", index=data.index)).fillna(""),
                    strict=True,
                )
            ],
            "Year": studies["year"].astype("Int64"),
            "Design": design,
            # a count read only in copies is marked like the findings
            "Patients": mark(studies["n_patients"].astype("Int64").astype("string"), ok),
            "Population": studies["population"],
            "Intervention": [
                _joined(c, r) for c, r in zip(studies["cell_source"], studies["route"], strict=True)
            ],
            "Main result": main_result,
            "Risk of bias": studies["risk_of_bias"],
        },
        index=studies.index,
    )
    details = {
        "Condition": studies["condition"],
        "Product": studies["product"],
        "Eligibility": studies.get("eligibility"),
        # a further report points to the study's main report, as a link to its reference
        "Further report of": [
            reference_links(ref_key.get(study, study), labels, where) if study else ""
            for study in data["report_of"].fillna("")
        ],
        "Notes": studies["notes"],
    }
    details = pd.DataFrame({k: v for k, v in details.items() if v is not None}, index=studies.index)
    filters = {
        "Design": studies["design"],
        "Population": studies["condition"],
        "Cell source": studies["cell_source_group"],
    }
    if "eligibility" in studies:
        filters["Eligibility"] = studies["eligibility"]
    return ReadingTable(
        frame,
        caption,
        details=details,
        filters=filters,
        numeric=("Year", "Patients"),
        widths={
            "Study": 11,
            "Year": 7,
            "Design": 15,
            "Patients": 9,
            "Population": 13,
            "Intervention": 13,
            "Main result": 21,
            "Risk of bias": 11,
        },
    )


def clinical_findings(project: Project | None = None) -> dict[str, str]:
    """``clinical_<study>_safety``, ``_efficacy`` and ``_n``: the findings as the data words them.

    A finding not yet confirmed carries the marker, as in the table.
    """
    studies = translate_cells(load_table("clinical_studies", project), "clinical_studies")
    ok = confirmed(studies)
    found = {}
    for column, name in (("safety_finding", "safety"), ("efficacy_finding", "efficacy")):
        for study, text in zip(studies["study_id"], mark(studies[column], ok), strict=True):
            found[f"clinical_{study}_{name}"] = str(text)
    for study, n in zip(studies["study_id"], studies["n_patients"], strict=True):
        if not pd.isna(n):
            found[f"clinical_{study}_n"] = f"{int(n):,}"
    return found


def preclinical_timings(project: Project | None = None) -> dict[str, str]:
    """``preclinical_<study>_timing``: when each animal study gave its product, in the data's words.

    A timing not yet confirmed carries the marker, as in the table.
    """
    studies = translate_cells(load_table("preclinical_studies", project), "preclinical_studies")
    timings = mark(studies["timing"], confirmed(studies))
    return {
        f"preclinical_{study}_timing": str(text)
        for study, text in zip(studies["study_id"], timings, strict=True)
    }


TRIAL_SOURCES = ("source review", "review search")
# a trial this review found whose registry record could not be read: known from a copy only
COPY_ONLY = "from secondary copies of the registry record; registry record not read"


@i18n_declare
def _values_from_messages() -> list[str]:
    """What a trial's values are as of, in each case: the data need not hold every case, so a
    catalogs run must not drop the words of the cases no trial shows today."""
    return [
        COPY_ONLY,
        "as of the registry record of {date} (record read {checked})",
        "as printed in the source review; registry record of {date} read, not used",
        "as printed in the source review; phase and participants from secondary "
        "copies of the registry record; registry record not read",
        "as printed in the source review; registry record not read",
        "as of the registry record of {date}",
    ]


def trials_table(listed_in: str = "source review", project: Project | None = None) -> pd.DataFrame:
    """Registered trials listed in the source, or found by this review's own look-ups
    (not a systematic search).

    Where the registry's own record was read, its status, dates, phase and enrollment are
    shown "as of the registry record of DATE" (its last update posted), never as simply current;
    enrollment says whether it is actual or anticipated when the record says. Otherwise status
    and dates are the source's, and a phase or enrollment (which the source's table does not
    give) came from secondary copies of the registry record; the column "Values shown" says so,
    and every such value is marked.
    """
    from livingreview.analysis import i18n

    if listed_in not in TRIAL_SOURCES:
        raise ValueError(f"listed_in must be one of {', '.join(TRIAL_SOURCES)}, got {listed_in!r}")
    trials = load_table("registered_trials", project)
    trials = trials[trials["listed_in"] == listed_in]
    trials = translate_cells(trials, "registered_trials", project=project)
    ok = confirmed(trials)
    from_registry = trials["value_used"] == "registry"
    status = trials["status_registry"].where(from_registry, trials["status_source"])
    start = trials["start_registry"].where(from_registry, trials["start_source"])
    end = trials["end_registry"].where(from_registry, trials["end_source"])
    # looked up whether or not a trial needs them, so every English run records them
    no_start, no_end = i18n.gettext("start not given"), i18n.gettext("end not given")
    period = pd.Series(
        [
            ""
            if pd.isna(begin) and pd.isna(finish)
            else i18n.format(
                "{start} to {end}",
                start=no_start if pd.isna(begin) else str(begin),
                end=no_end if pd.isna(finish) else str(finish),
            )
            for begin, finish in zip(start, end, strict=True)
        ],
        index=trials.index,
        dtype="string",
    )
    copied = trials["phase"].notna() | trials["enrollment"].notna()
    verified = trials["registry_verified"].fillna(False).astype(bool)

    def shown(registry: bool, read: bool, from_copies: bool, updated, checked) -> str:
        if registry and read:
            return i18n.format(
                "as of the registry record of {date} (record read {checked})",
                date=str(updated),
                checked=str(checked),
            )
        if read:
            return i18n.format(
                "as printed in the source review; registry record of {date} read, not used",
                date=str(updated),
            )
        if listed_in != "source review":  # found by the review, its record unreadable
            return i18n.gettext(COPY_ONLY)
        if from_copies:
            return i18n.gettext(
                "as printed in the source review; phase and participants from secondary "
                "copies of the registry record; registry record not read"
            )
        return i18n.gettext("as printed in the source review; registry record not read")

    values_from = [
        shown(*row)
        for row in zip(
            from_registry,
            verified & trials["last_update_registry"].notna(),
            copied,
            trials["last_update_registry"],
            trials["checked"],
            strict=True,
        )
    ]
    kinds = {"actual": "{n} (actual)", "anticipated": "{n} (anticipated)"}
    enrollment = [
        ""
        if pd.isna(n)
        else i18n.format(kinds[kind], n=int(n))
        if registry and isinstance(kind, str) and kind in kinds
        else str(int(n))
        for n, kind, registry in zip(
            trials["enrollment"], trials["enrollment_type"], from_registry, strict=True
        )
    ]
    trials = trials.assign(
        printed=[
            "" if pd.isna(printed) or printed == rid else i18n.format("printed as {id}", id=printed)
            for rid, printed in zip(trials["registry_id"], trials["id_as_printed"], strict=False)
        ],
        status=mark(status, ok),
        period=mark(period, ok),
        phase=mark(trials["phase"], ok),
        intervention=mark(trials["intervention"], ok),
        enrollment=mark(pd.Series(enrollment, index=trials.index, dtype="string"), ok),
        values_from=values_from,
    )
    columns = {
        "registry_id": "Registry id",
        "printed": "Correction",
        "title": "Title",
        "intervention": "Intervention",
        "phase": "Phase",
        "enrollment": "Participants",
        "status": "Status",
        "period": "Start to end",
        "sepsis_population": "About sepsis (registry record)",
        "eligibility": "Eligibility",
        "values_from": "Values shown",
    }
    if listed_in != "source review":
        del columns["printed"]
    return _shown(trials, columns, "registered_trials", project)


def mechanisms_table(project: Project | None = None) -> pd.DataFrame:
    """Mechanisms as the source review states them; every row not yet checked against a primary
    record of its cited study ("as in source" or "unverified") carries the marker."""
    rows = translate_cells(load_table("mechanisms", project), "mechanisms", project=project)
    ok = confirmed(rows)
    rows = rows.assign(mediator=mark(rows["mediator"], ok), effect=mark(rows["effect"], ok))
    return _shown(
        rows,
        {
            "mechanism": "Mechanism",
            "mediator": "Mediator or pathway",
            "effect": "Effect",
            "organ": "Organ",
            "product": "Product",
            "ref_keys": "References",
        },
        "mechanisms",
        project,
    )


def errata_table(project: Project | None = None) -> pd.DataFrame:
    errata = translate_cells(load_table("errata", project), "errata", project=project)
    errata = errata.assign(corrected_shown=mark(errata["corrected"], confirmed(errata)))
    return _shown(
        errata,
        {
            "location": "Where in the source",
            "printed": "Printed",
            "corrected_shown": "This book uses",
            "reason": "Reason",
        },
        "errata",
        project,
    )


def one_row_per_study(clin: pd.DataFrame) -> pd.DataFrame:
    """Clinical rows less further reports (``report_of`` set): each study once."""
    return clin[clin["report_of"].fillna("").str.strip() == ""]


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c', in the edition's words."""
    from livingreview.analysis import i18n

    if len(items) < 2:
        return "".join(items)
    return i18n.gettext(", ").join(items[:-1]) + i18n.gettext(" and ") + items[-1]


def counts(project: Project | None = None) -> dict[str, int | str]:
    """The counts the chapters quote in prose, and how many of each are unconfirmed."""
    pre = load_table("preclinical_studies", project)
    clin = load_table("clinical_studies", project)
    trials = load_table("registered_trials", project)
    errata = load_table("errata", project)
    listed = trials["listed_in"] == "source review"
    studies = one_row_per_study(clin)
    values: dict[str, int | str] = {
        "n_preclinical_studies": len(pre),
        "n_preclinical_table1": int(pre["in_source_table1"].sum()),
        "n_preclinical_meets_rule": int((pre["eligibility"] == "meets the rule").sum()),
        # a further report of a study (an abstract before its full paper) is not a new study
        "n_clinical_studies": len(studies),
        "n_clinical_reports": len(clin),
        "n_registered_trials": len(trials),
        "n_trials_source": int(listed.sum()),
        "n_trials_search": int((~listed).sum()),
        "n_registered_trials_nct": int((trials["registry"] == "ClinicalTrials.gov").sum()),
        "n_mechanisms": len(load_table("mechanisms", project)),
        "n_errata": len(errata),
    }
    phrases = {
        "preclinical": (pre, "animal study", "animal studies"),
        "clinical": (studies, "clinical study", "clinical studies"),
        # per report: an abstract can be unconfirmed while its study's full report is not
        "clinical_reports": (clin, "report", "reports"),
        "trials_source": (trials[listed], "registered trial", "registered trials"),
        "trials_search": (trials[~listed], "registered trial", "registered trials"),
        "errata": (errata, "correction", "corrections"),
    }
    values["preclinical_outside_phrase"] = outside_phrase(pre, project)
    for name, (frame, singular, plural) in phrases.items():
        waiting = int((~confirmed(frame)).sum())
        values[f"n_{name}_unconfirmed"] = waiting
        values[f"{name}_phrase"] = count_phrase(len(frame), waiting, singular, plural)
    return values


def outside_phrase(studies: pd.DataFrame, project: Project | None = None) -> str:
    """'Ye et al. 2023 (population) and Chi et al. 2022 (intervention)': the studies kept only
    because the source review cites them, each with the part of the rule it falls outside."""
    from livingreview.analysis import i18n

    labels = citation_labels(project)
    outside = studies[studies["eligibility"].fillna("").str.startswith("outside the rule: ")]
    return join_words(
        [
            i18n.format(
                "{study} ({reason})",
                study=labels.get(key, key),
                reason=i18n.gettext(rule.removeprefix("outside the rule: ")),
            )
            for key, rule in zip(outside["ref_key"], outside["eligibility"], strict=True)
        ]
    ) or i18n.gettext("none")


MAP_DIMENSIONS = ("cell_source", "organ", "product", "species", "kind", "route", "year")


def reader_labels(studies: pd.DataFrame, labels: dict[str, str]) -> pd.Series:
    """Each study as readers see it: author and year; an unconfirmed study carries the marker."""
    names = studies["ref_key"].map(lambda key: require_label(labels, key, "the evidence map"))
    return mark(names, confirmed(studies))


def studies_for_map(project: Project | None = None) -> pd.DataFrame:
    """Animal and clinical studies that meet the eligibility rule, in one frame, by the
    controlled categories of the data.

    The map counts grouped categories (``*_group`` columns), so studies worded differently
    by their sources land in the same cell and a new study lands in an existing one.
    ``label`` is the study as readers see it (author and year; an unconfirmed study carries
    the marker), for the chart's tooltips.
    """
    pre = load_table("preclinical_studies", project)
    clin = load_table("clinical_studies", project)
    clin = one_row_per_study(clin)
    # only studies meeting the eligibility rule: one the source cites outside it is described
    # in its chapter, never mapped as evidence
    pre = pre[pre["eligibility"] == "meets the rule"] if "eligibility" in pre else pre
    clin = clin[clin["eligibility"] == "meets the rule"] if "eligibility" in clin else clin
    labels = citation_labels(project)
    frames = [
        pd.DataFrame(
            {
                "study": pre["study_id"],
                "label": reader_labels(pre, labels),
                "kind": "animal",
                "species": pre["species_group"],
                "cell_source": pre["cell_source_group"],
                "organ": pre["organ_group"],
                "product": pre["product"],
                "route": pre["route_group"],
                "year": pre["year"].astype("string"),
            }
        ),
        pd.DataFrame(
            {
                "study": clin["study_id"],
                "label": reader_labels(clin, labels),
                "kind": "clinical",
                "species": "human",
                "cell_source": clin["cell_source_group"],
                "organ": clin["organ_group"],
                "product": clin["product"],
                "route": clin["route_group"],
                "year": clin["year"].astype("string"),
            }
        ),
    ]
    from livingreview.analysis import i18n

    for word in ("animal", "clinical", "human"):  # values written here, translated as data
        i18n.active().note(word)
    return pd.concat(frames, ignore_index=True).astype("string").fillna("not reported")


def map_summary(studies: pd.DataFrame, cells: pd.DataFrame, rows: str, columns: str) -> str:
    """Sentences under the map, computed from it: where evidence gathers, how much is empty."""
    possible = studies[rows].nunique() * studies[columns].nunique()
    single = int((cells["n"] == 1).sum())
    from livingreview.analysis import i18n

    fmt = i18n.format
    first = fmt(
        "The {n} studies fill {filled} of the {possible} cells the map draws (each row against "
        "each column); {empty} are empty.",
        n=len(studies),
        filled=len(cells),
        possible=possible,
        empty=possible - len(cells),
    )
    top_n = int(cells["n"].max())
    # every cell sharing the largest count, so a tie is not hidden behind one of them
    tops = cells[cells["n"] == top_n].sort_values([rows, columns])
    names = join_words(
        [
            fmt(
                "{row} × {column}",
                row=i18n.active().lookup(str(top[rows])),
                column=i18n.active().lookup(str(top[columns])),
            )
            for _, top in tops.iterrows()
        ]
    )
    if len(tops) == 1:
        template = (
            "The fullest cell is {cells} with {n} study;"
            if top_n == 1
            else "The fullest cell is {cells} with {n} studies;"
        )
    else:
        template = (
            "The fullest cells, with {n} study each, are {cells};"
            if top_n == 1
            else "The fullest cells, with {n} studies each, are {cells};"
        )
    fullest = fmt(template, cells=names, n=top_n)
    singles = fmt(
        "{n} cell holds a single study." if single == 1 else "{n} cells hold a single study.",
        n=single,
    )
    return " ".join([first, fullest, singles])


def evidence_map_cells(studies: pd.DataFrame, rows: str, columns: str) -> pd.DataFrame:
    """One line per (row, column) cell: how many studies and which."""
    for name in (rows, columns):
        if name not in MAP_DIMENSIONS:
            raise ValueError(f"unknown dimension {name!r}; choose from {', '.join(MAP_DIMENSIONS)}")
    grouped = studies.groupby([rows, columns], sort=True)["study"]
    return grouped.agg(studies=lambda s: "; ".join(sorted(s)), n="count").reset_index()


def map_table(cells: pd.DataFrame, project: Project | None = None) -> pd.DataFrame:
    """The evidence-map cells with each study shown as a link to its reference; an
    unconfirmed study carries the marker, as in the evidence tables."""
    labels = citation_labels(project)
    reference, shown = {}, {}
    for name in ("preclinical_studies", "clinical_studies"):
        table = load_table(name, project)
        reference.update(zip(table["study_id"], table["ref_key"], strict=True))
        shown.update(zip(table["study_id"], reader_labels(table, labels), strict=True))
    links = [
        Links(
            tuple(
                (shown[study], href)
                for study in split_list(value)
                for _, href in reference_links(reference[study], labels, f"study {study}").items
            )
        )
        for value in cells["studies"]
    ]
    shown = cells.assign(studies=pd.Series(links, index=cells.index, dtype=object))
    return shown.rename(columns={"n": "Number of studies", "studies": "Studies"})
