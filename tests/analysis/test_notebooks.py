"""Every analysis re-runs under papermill with non-default parameters, as a reader would."""

from __future__ import annotations

import json

import pytest
from conftest import cli, copy_repo

from livingreview.data.releases import read_glue

pytestmark = pytest.mark.slow  # a kernel per analysis and edition

NON_DEFAULT = {
    "pooled_effects": ["baseline_risk=0.2"],
    "evidence_tables": ["show_tables=false"],
    "trial_surveillance": ["as_of=2026-11-25", "stale_months=6"],
    "evidence_map": ["rows=product", "columns=kind"],
    "meta_analysis": ["measure=OR", "method=DL", "hartung_knapp=true"],
    "data_dictionary": ["show_tables=false"],
    "whats_new": ["latest=1"],
    "prisma": ["version_label=version 0.2.0"],
    "certainty": ["show_tables=false"],
    "what_we_know": ["language=zh_CN"],
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("analyses") / "repo")


@pytest.mark.parametrize("name", sorted(NON_DEFAULT))
def test_analysis_runs_with_other_parameters(repo, name):
    args = [arg for pair in NON_DEFAULT[name] for arg in ("-p", pair)]
    result = cli(repo, "run", name, *args)
    assert result.returncode == 0, result.stderr
    out = repo / "_build" / "executed" / f"{name}-custom.ipynb"
    nb = json.loads(out.read_text(encoding="utf-8"))
    assert nb["metadata"]["papermill"]["parameters"]  # papermill recorded the reader's values
    assert read_glue(out)


def test_reader_parameters_change_the_results(repo):
    cli(repo, "run", "pooled_effects", "-p", "baseline_risk=0.2", check=True)
    custom = read_glue(repo / "_build" / "executed" / "pooled_effects-custom.ipynb")
    assert custom["sof_baseline_risk"] == "20%"
    cli(repo, "run", "trial_surveillance", "-p", "as_of=2026-11-25", check=True)
    later = read_glue(repo / "_build" / "executed" / "trial_surveillance-custom.ipynb")
    assert later["surveillance_as_of"] == "2026-11-25"
    assert int(later["n_trials_overdue"]) >= 1  # NCT04194671 ended in 2022, status not final


def test_default_run_reproduces_the_books_numbers(repo, built_book):
    cli(repo, "run", "meta_analysis", check=True)
    ours = read_glue(repo / "_build" / "executed" / "meta_analysis.ipynb")
    book = read_glue(built_book / "_build" / "executed" / "meta_analysis.ipynb")
    assert ours == book
