"""The evidence tables as readers see them in the chapters, built from the data files."""

from __future__ import annotations

import pandas as pd

from livingreview.analysis.display import Links
from livingreview.data.bib import anchor, citation_labels, require_label
from livingreview.data.package import load_table, resources, split_list
from livingreview.data.project import Project

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
        },
        "preclinical_studies",
        project,
    )


def clinical_table(project: Project | None = None) -> pd.DataFrame:
    studies = load_table("clinical_studies", project).sort_values(["year", "study_id"])
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
            "verification": "Verification",
        },
        "clinical_studies",
        project,
    )


def trials_table(project: Project | None = None) -> pd.DataFrame:
    trials = load_table("registered_trials", project)
    trials = trials.assign(
        printed=[
            "" if printed == rid else f"printed as {printed}"
            for rid, printed in zip(trials["registry_id"], trials["id_as_printed"], strict=False)
        ],
        period=trials["start_source"] + " to " + trials["end_source"],
        verified=trials["registry_verified"].map({True: "yes", False: "not yet"}),
    )
    return _shown(
        trials,
        {
            "registry_id": "Registry id",
            "printed": "Correction",
            "title": "Title",
            "intervention": "Intervention",
            "phase": "Phase",
            "status_source": "Status (source)",
            "period": "Start to end (source)",
            "verified": "Checked against registry",
        },
        "registered_trials",
        project,
    )


def mechanisms_table(project: Project | None = None) -> pd.DataFrame:
    return _shown(
        load_table("mechanisms", project),
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
    return _shown(
        load_table("errata", project),
        {
            "location": "Where in the source",
            "printed": "Printed",
            "corrected": "This book uses",
            "reason": "Reason",
            "verification": "Verification",
        },
        "errata",
        project,
    )


def counts(project: Project | None = None) -> dict[str, int]:
    """The counts the chapters quote in prose."""
    trials = load_table("registered_trials", project)
    return {
        "n_preclinical_studies": len(load_table("preclinical_studies", project)),
        "n_clinical_studies": len(load_table("clinical_studies", project)),
        "n_registered_trials": len(trials),
        "n_registered_trials_nct": int((trials["registry"] == "ClinicalTrials.gov").sum()),
        "n_mechanisms": len(load_table("mechanisms", project)),
        "n_errata": len(load_table("errata", project)),
    }


MAP_DIMENSIONS = ("cell_source", "organ", "product", "species", "kind", "route", "year")


def studies_for_map(project: Project | None = None) -> pd.DataFrame:
    """Animal and clinical studies in one frame with the dimensions an evidence map can use."""
    pre = load_table("preclinical_studies", project)
    clin = load_table("clinical_studies", project)
    frames = [
        pd.DataFrame(
            {
                "study": pre["study_id"],
                "kind": "animal",
                "species": pre["species"],
                "cell_source": pre["cell_source"],
                "organ": pre["organ"],
                "product": pre["product"],
                "route": pre["route"],
                "year": pre["year"].astype("string"),
            }
        ),
        pd.DataFrame(
            {
                "study": clin["study_id"],
                "kind": "clinical",
                "species": "human",
                "cell_source": clin["cell_source"],
                "organ": clin["condition"],
                "product": clin["product"],
                "route": clin["route"],
                "year": clin["year"].astype("string"),
            }
        ),
    ]
    return pd.concat(frames, ignore_index=True).astype("string").fillna("not reported")


def evidence_map_cells(studies: pd.DataFrame, rows: str, columns: str) -> pd.DataFrame:
    """One line per (row, column) cell: how many studies and which."""
    for name in (rows, columns):
        if name not in MAP_DIMENSIONS:
            raise ValueError(f"unknown dimension {name!r}; choose from {', '.join(MAP_DIMENSIONS)}")
    grouped = studies.groupby([rows, columns], sort=True)["study"]
    return grouped.agg(studies=lambda s: "; ".join(sorted(s)), n="count").reset_index()


def map_table(cells: pd.DataFrame, project: Project | None = None) -> pd.DataFrame:
    """The evidence-map cells with each study shown as a link to its reference."""
    labels = citation_labels(project)
    reference = {}
    for name in ("preclinical_studies", "clinical_studies"):
        table = load_table(name, project)
        reference.update(zip(table["study_id"], table["ref_key"], strict=True))
    links = [
        Links(
            tuple(
                item
                for study in split_list(value)
                for item in reference_links(reference[study], labels, f"study {study}").items
            )
        )
        for value in cells["studies"]
    ]
    return cells.assign(studies=pd.Series(links, index=cells.index, dtype=object))
