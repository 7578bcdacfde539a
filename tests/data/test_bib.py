"""Reading references.bib with pybtex: author-year labels and stable anchors."""

from __future__ import annotations

import pytest
from conftest import REPO

from livingreview.data.bib import (
    UnknownReference,
    anchor,
    author_year,
    citation_labels,
    entry_keys,
    parse_bibtex,
    require_label,
)
from livingreview.data.project import Project


def entry(authors: str, year: str = "2022"):
    text = f"@article{{k,\n  author = {{{authors}}},\n  title = {{T}},\n  year = {{{year}}}\n}}"
    return parse_bibtex(text).entries["k"]


@pytest.mark.parametrize(
    ("authors", "label"),
    [
        ("Ou, Q.", "Ou 2022"),
        ("Ou, Q. and Li, X.", "Ou and Li 2022"),
        ("Ou, Q. and Li, X. and Tan, L.", "Ou et al. 2022"),
        ("Ou, Q. and others", "Ou et al. 2022"),
        ("Dos Santos, C. C. and Amatullah, H. and others", "Dos Santos et al. 2022"),
        ("van der Berg, J.", "van der Berg 2022"),
        ('M{\\"u}ller, A.', "Müller 2022"),
    ],
)
def test_author_year_label(authors, label):
    assert author_year(entry(authors)) == label


def test_every_entry_of_the_bibliography_has_a_label_and_a_distinct_anchor():
    project = Project(REPO)
    keys = entry_keys(project.bibliography.read_text(encoding="utf-8"))
    labels = citation_labels(project)
    assert sorted(labels) == sorted(keys)
    assert all(label.split()[-1].isdigit() for label in labels.values())
    assert len({anchor(k) for k in keys}) == len(keys)


def test_anchor_follows_sphinx_id_rules():
    assert anchor("ou2022") == "cite-ou2022"
    assert anchor("Smith_2020") == "cite-smith-2020"


def test_a_missing_key_is_an_error_naming_it():
    with pytest.raises(UnknownReference, match="nosuch2020.*data/x.csv"):
        require_label({"ou2022": "Ou et al. 2022"}, "nosuch2020", "data/x.csv")


def test_a_reference_correction_awaiting_confirmation_is_marked_in_the_bibliography():
    """An unverified erratum about a reference shows the same marker in that reference's entry."""
    import pandas as pd

    from livingreview.analysis.confirmation import MARKER

    errata = pd.read_csv(REPO / "data" / "errata.csv", dtype=str)
    pending = errata[
        (errata["affects"] == "references.bib") & (errata["verification"] != "confirmed")
    ]
    entries = parse_bibtex((REPO / "data" / "references.bib").read_text(encoding="utf-8")).entries
    for key in pending["ref_key"]:
        assert f"[{MARKER}]" in entries[key].fields.get("note", ""), key
