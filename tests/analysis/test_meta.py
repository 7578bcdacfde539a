"""Meta-analysis of 2x2 data, validated against published metafor results for the BCG trials.

Reference data: the 13 BCG vaccine trials of Colditz et al. (1994), JAMA 271:698-702, as
metafor's ``dat.bcg`` (tpos/tneg/cpos/cneg -> events/n), pinned below and in
data/examples/bcg_trials.csv.

Reference results (metafor, cross-checked there against Stata's metan):
- REML, RR, with and without Hartung-Knapp (``test="knha"``): the example in metafor's
  README, https://github.com/wviechtb/metafor/blob/master/README.md
- FE and DL for RR, OR and RD: https://github.com/wviechtb/metafor/blob/master/tests/
  testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r
- Mantel-Haenszel for RR, OR and RD: https://github.com/wviechtb/metafor/blob/master/tests/
  testthat/test_misc_metan_vs_rma.mh_with_dat.bcg.r
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from livingreview.analysis import charts, meta

REPO = Path(__file__).resolve().parents[2]

# author, year, tpos, tneg, cpos, cneg (metafor's dat.bcg)
DAT_BCG = [
    ("Aronson", 1948, 4, 119, 11, 128),
    ("Ferguson & Simes", 1949, 6, 300, 29, 274),
    ("Rosenthal et al", 1960, 3, 228, 11, 209),
    ("Hart & Sutherland", 1977, 62, 13536, 248, 12619),
    ("Frimodt-Moller et al", 1973, 33, 5036, 47, 5761),
    ("Stein & Aronson", 1953, 180, 1361, 372, 1079),
    ("Vandiviere et al", 1973, 8, 2537, 10, 619),
    ("TPT Madras", 1980, 505, 87886, 499, 87892),
    ("Coetzee & Berjak", 1968, 29, 7470, 45, 7232),
    ("Rosenthal et al", 1961, 17, 1699, 65, 1600),
    ("Comstock et al", 1974, 186, 50448, 141, 27197),
    ("Comstock & Webster", 1969, 5, 2493, 3, 2338),
    ("Comstock et al", 1976, 27, 16886, 29, 17825),
]


@pytest.fixture
def bcg() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "study": f"{author} {year}",
                "events_treatment": tpos,
                "n_treatment": tpos + tneg,
                "events_control": cpos,
                "n_control": cpos + cneg,
            }
            for author, year, tpos, tneg, cpos, cneg in DAT_BCG
        ]
    )


def close(value, expected, places=3):
    """Equal to the published value at its printed precision, to ``places`` decimals."""
    return abs(value - expected) <= 0.5 * 10**-places + 1e-12


def test_example_csv_is_dat_bcg(bcg):
    frame = pd.read_csv(REPO / "data" / "examples" / "bcg_trials.csv")
    assert list(frame.columns) == list(meta.COLUMNS)
    pd.testing.assert_frame_equal(frame, bcg)


# --- reference values ----------------------------------------------------------------------


def test_rr_reml_matches_metafor(bcg):
    r = meta.pool(bcg, "RR", "REML")
    assert close(r.analysis_estimate, -0.7145, 4)
    assert close(r.se, 0.1798, 4)
    assert close(math.log(r.ci_low), -1.0669, 4) and close(math.log(r.ci_high), -0.3622, 4)
    assert close(r.tau2, 0.3132, 4)
    assert close(r.i2, 92.22, 2)
    assert close(r.q, 152.2330, 4) and r.q_df == 12
    assert r.q_pvalue < 1e-4
    assert r.k == 13 and r.excluded == ()
    assert meta.summarise(r) == "RR 0.49 (95% CI 0.34 to 0.70), REML, 13 studies"


def test_rr_reml_hartung_knapp_matches_metafor_and_widens_the_ci(bcg):
    plain = meta.pool(bcg, "RR", "REML")
    hk = meta.pool(bcg, "RR", "REML", hartung_knapp=True)
    assert close(hk.analysis_estimate, -0.7145, 4)
    assert close(hk.se, 0.1808, 4)
    assert close(math.log(hk.ci_low), -1.1084, 4) and close(math.log(hk.ci_high), -0.3206, 4)
    assert close(hk.pvalue, 0.0019, 4)
    assert hk.ci_low < plain.ci_low and hk.ci_high > plain.ci_high
    dl, dl_hk = meta.pool(bcg, "RR", "DL"), meta.pool(bcg, "RR", "DL", hartung_knapp=True)
    assert dl_hk.ci_high - dl_hk.ci_low > dl.ci_high - dl.ci_low
    # metafor's predict() with test="knha" uses t(k - 1) for the prediction interval: 0.14-1.76
    half = stats.t.ppf(0.975, 12) * math.sqrt(hk.tau2 + hk.se**2)
    assert f"{math.exp(hk.analysis_estimate - half):.2f}" == "0.14"
    assert f"{math.exp(hk.analysis_estimate + half):.2f}" == "1.76"


def test_rr_dl_and_fe_match_metafor(bcg):
    dl = meta.pool(bcg, "RR", "DL")
    assert close(dl.analysis_estimate, -0.7141, 4)
    assert close(dl.tau2, 0.3088, 4)
    assert close(dl.i2, 92.1173, 4)
    assert close(dl.pooled_estimate, 0.4896, 4)
    assert close(dl.ci_low, 0.3449, 4) and close(dl.ci_high, 0.6950, 4)
    fe = meta.pool(bcg, "RR", "FE")
    assert close(fe.analysis_estimate, -0.4303, 4)
    assert close(fe.q, 152.2330, 4)
    assert close(fe.pooled_estimate, 0.6503, 4)
    assert close(fe.ci_low, 0.6007, 4) and close(fe.ci_high, 0.7040, 4)
    assert fe.tau2 is None and fe.pi_low is None and fe.pi_high is None


def test_or_matches_metafor(bcg):
    fe = meta.pool(bcg, "OR", "FE")
    assert close(fe.analysis_estimate, -0.4361, 4)
    assert close(fe.q, 163.1649, 4)
    assert close(fe.ci_low, 0.5951, 4) and close(fe.ci_high, 0.7024, 4)
    dl = meta.pool(bcg, "OR", "DL")
    assert close(dl.analysis_estimate, -0.7474, 4)
    assert close(dl.tau2, 0.3663, 4)
    assert close(dl.i2, 92.6455, 4)
    assert close(dl.pooled_estimate, 0.4736, 4)
    assert close(dl.ci_low, 0.3249, 4) and close(dl.ci_high, 0.6903, 4)


def test_mantel_haenszel_matches_metafor(bcg):
    rr = meta.pool(bcg, "RR", "MH")
    assert close(rr.analysis_estimate, -0.4537, 4)
    assert close(math.log(rr.ci_low), -0.5308, 4) and close(math.log(rr.ci_high), -0.3766, 4)
    assert close(rr.q, 152.5676, 4)
    assert close(rr.pooled_estimate, 0.6353, 4)
    odds = meta.pool(bcg, "OR", "MH")
    assert close(odds.analysis_estimate, -0.4734, 4)
    assert close(math.log(odds.ci_low), -0.5538, 4)
    assert close(math.log(odds.ci_high), -0.3930, 4)
    assert close(odds.q, 163.9426, 4)
    assert close(odds.pooled_estimate, 0.6229, 4)
    rd = meta.pool(bcg, "RD", "MH")
    assert close(rd.pooled_estimate, -0.0033, 4)
    assert close(rd.q, 386.7759, 4)
    assert rd.tau2 is None and rd.pi_low is None


def test_mantel_haenszel_risk_difference_interval_matches_metafor(bcg):
    """metafor's Sato, Greenland and Robins (1989) variance: z and interval to 4 decimals.

    metan (Stata) uses the Greenland and Robins (1985) variance and reports |z| = 11.56.
    """
    rd = meta.pool(bcg, "RD", "MH")
    assert close(rd.analysis_estimate / rd.se, -11.4708, 4)
    assert close(rd.ci_low, -0.0039, 4) and close(rd.ci_high, -0.0027, 4)


def test_rd_fe_and_dl_match_metafor(bcg):
    fe = meta.pool(bcg, "RD", "FE")
    assert close(fe.pooled_estimate, -0.0009, 4)
    assert close(fe.ci_low, -0.0014, 4) and close(fe.ci_high, -0.0005, 4)
    assert close(fe.q, 276.4737, 4)
    dl = meta.pool(bcg, "RD", "DL")
    assert close(dl.pooled_estimate, -0.0071, 4)
    assert close(dl.ci_low, -0.0101, 4) and close(dl.ci_high, -0.0040, 4)
    assert close(dl.tau2, 0.0, 4)
    assert close(dl.i2, 95.6596, 4)


# --- internal consistency ------------------------------------------------------------------


def test_dl_agrees_with_statsmodels(bcg):
    from statsmodels.stats.meta_analysis import combine_effects

    effects = meta.effect_sizes(bcg, "OR")
    ref = combine_effects(effects["yi"].to_numpy(), effects["vi"].to_numpy(), method_re="dl")
    r = meta.pool(bcg, "OR", "DL")
    assert r.tau2 == pytest.approx(ref.tau2, rel=1e-9)
    assert r.analysis_estimate == pytest.approx(ref.mean_effect_re, rel=1e-9)


def test_reml_maximises_the_restricted_likelihood(bcg):
    effects = meta.effect_sizes(bcg, "OR")
    y, v = effects["yi"].to_numpy(), effects["vi"].to_numpy()

    def restricted_loglik(tau2):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        return -0.5 * (np.sum(np.log(v + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    tau2 = meta.pool(bcg, "OR", "REML").tau2
    grid = np.linspace(0, 2, 2001)
    assert tau2 == pytest.approx(grid[np.argmax([restricted_loglik(t) for t in grid])], abs=1e-3)
    assert restricted_loglik(tau2) >= restricted_loglik(tau2 * 1.001)
    assert restricted_loglik(tau2) >= restricted_loglik(tau2 * 0.999)


def test_reml_tau2_is_zero_for_homogeneous_studies():
    frame = pd.DataFrame(
        {
            "study": ["A", "B", "C"],
            "events_treatment": [10, 20, 30],
            "n_treatment": [100, 200, 300],
            "events_control": [20, 40, 60],
            "n_control": [100, 200, 300],
        }
    )
    r = meta.pool(frame, "RR", "REML")
    assert r.tau2 == 0.0 and r.i2 == 0.0
    assert r.pooled_estimate == pytest.approx(0.5)


def test_prediction_interval_uses_t_with_k_minus_2_df(bcg):
    r = meta.pool(bcg, "RR", "REML")
    half = stats.t.ppf(0.975, 11) * math.sqrt(r.tau2 + r.se**2)
    assert r.pi_low == pytest.approx(math.exp(r.analysis_estimate - half))
    assert r.pi_high == pytest.approx(math.exp(r.analysis_estimate + half))
    assert f"{r.pi_low:.3f} {r.pi_high:.3f}" == "0.134 1.785"
    two = meta.pool(bcg.head(2), "RR", "DL")
    assert two.pi_low is None and any("at least 3" in n for n in two.notes)


def test_weights_are_percentages(bcg):
    for method in ("FE", "MH", "DL", "REML"):
        r = meta.pool(bcg, "RR", method)
        assert sum(r.weights) == pytest.approx(100)
        assert len(r.weights) == len(r.studies) == 13
    fe = meta.pool(bcg, "RR", "FE")
    assert max(fe.weights) == fe.weight_of("TPT Madras 1980")  # the largest, most precise trial
    re = meta.pool(bcg, "RR", "REML")
    assert re.weight_of("TPT Madras 1980") < fe.weight_of("TPT Madras 1980")


def test_result_is_frozen(bcg):
    r = meta.pool(bcg)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.tau2 = 0.0


# --- zero cells ----------------------------------------------------------------------------


def zero_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study": ["zero treatment events", "no events at all", "plain", "other"],
            "events_treatment": [0, 0, 5, 8],
            "n_treatment": [20, 30, 50, 40],
            "events_control": [4, 0, 10, 12],
            "n_control": [21, 30, 50, 40],
        }
    )


def test_zero_cell_gets_half_added_to_all_four_cells():
    effects = meta.effect_sizes(zero_frame(), "OR").set_index("study")
    row = effects.loc["zero treatment events"]
    a, b, c, d = 0.5, 20.5, 4.5, 17.5
    assert bool(row["corrected"])
    assert row["yi"] == pytest.approx(math.log(a * d / (b * c)))
    assert row["vi"] == pytest.approx(1 / a + 1 / b + 1 / c + 1 / d)
    assert "0.5 added" in row["note"]
    plain = effects.loc["plain"]
    assert not plain["corrected"]
    assert plain["yi"] == pytest.approx(math.log(5 * 40 / (45 * 10)))
    rr = meta.effect_sizes(zero_frame(), "RR").set_index("study").loc["zero treatment events"]
    assert rr["yi"] == pytest.approx(math.log((0.5 / 21) / (4.5 / 22)))
    assert rr["vi"] == pytest.approx(1 / 0.5 - 1 / 21 + 1 / 4.5 - 1 / 22)


def test_double_zero_study_is_excluded_for_ratios_with_a_note():
    for measure in ("OR", "RR"):
        effects = meta.effect_sizes(zero_frame(), measure).set_index("study")
        assert not effects.loc["no events at all", "included"]
        assert math.isnan(effects.loc["no events at all", "yi"])
        r = meta.pool(zero_frame(), measure, "FE")
        assert r.k == 3 and r.excluded == ("no events at all",)
        assert "no events at all" not in r.studies
        assert r.weight_of("no events at all") == 0.0
        assert any("Excluded" in n and "no events at all" in n for n in r.notes)
        assert any("0.5 added" in n for n in r.notes)
    rd = meta.pool(zero_frame(), "RD", "FE")
    assert rd.k == 4 and rd.excluded == ()


def test_only_events_in_both_arms_is_excluded_for_ratios():
    frame = zero_frame()
    frame.loc[1, ["events_treatment", "events_control"]] = [30, 30]
    r = meta.pool(frame, "OR", "DL")
    assert r.excluded == ("no events at all",)


def test_mantel_haenszel_pools_raw_counts_with_zero_cells():
    frame = zero_frame()
    r = meta.pool(frame, "OR", "MH")
    a = np.array([0, 5, 8.0])
    b, c, d = np.array([20, 45, 32.0]), np.array([4, 10, 12.0]), np.array([17, 40, 28.0])
    n = a + b + c + d
    assert r.analysis_estimate == pytest.approx(math.log(np.sum(a * d / n) / np.sum(b * c / n)))
    assert any("MH pools the raw counts" in note for note in r.notes)


def test_too_few_informative_studies():
    frame = zero_frame().iloc[[1, 2]]
    with pytest.raises(ValueError, match="at least 2 informative studies"):
        meta.pool(frame, "OR", "FE")


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "row", "value", "message"),
    [
        ("events_treatment", 2, -1, r"row 3 \(study 'Rosenthal et al 1960'\), column "
         r"'events_treatment': -1 is negative"),
        ("n_control", 0, -5, r"row 1 \(study 'Aronson 1948'\), column 'n_control': -5 is negative"),
        ("events_control", 4, 99999, r"row 5 \(study 'Frimodt-Moller et al 1973'\), column "
         r"'events_control': 99999 events exceed n_control \(5808\)"),
        ("n_treatment", 1, "many", r"row 2 .*column 'n_treatment': 'many' is missing or not a"),
        ("n_treatment", 1, None, r"row 2 .*column 'n_treatment': .* missing or not a number"),
        ("events_treatment", 1, 2.5, r"row 2 .*'events_treatment': 2.5 is not a whole number"),
        ("n_treatment", 3, 0, r"row 4 .*column 'n_treatment': the arm has no participants"),
        ("study", 6, "Aronson 1948", r"row 7, column 'study': duplicate study label"),
        ("study", 6, "  ", r"row 7, column 'study': the study label is empty"),
    ],
)  # fmt: skip
def test_bad_counts_name_the_row_and_column(bcg, column, row, value, message):
    bcg[column] = bcg[column].astype(object)
    bcg.at[row, column] = value
    with pytest.raises(ValueError, match=message):
        meta.pool(bcg, "RR", "REML")


def test_bad_arguments(bcg):
    with pytest.raises(ValueError, match="unknown measure 'HR'; choose one of OR, RR, RD"):
        meta.pool(bcg, "HR", "FE")
    with pytest.raises(ValueError, match="unknown method 'PM'; choose one of FE, MH, DL, REML"):
        meta.pool(bcg, "RR", "PM")
    for method in ("FE", "MH"):
        with pytest.raises(ValueError, match=f"random-effects methods .* not to {method}"):
            meta.pool(bcg, "RR", method, hartung_knapp=True)
    with pytest.raises(ValueError, match="at least 2 studies; got 1"):
        meta.pool(bcg.head(1), "RR", "FE")
    with pytest.raises(ValueError, match="missing column\\(s\\) 'n_control'"):
        meta.pool(bcg.drop(columns="n_control"), "RR", "FE")
    assert meta.pool(bcg, "rr", "reml") == meta.pool(bcg, "RR", "REML")


# --- presentation --------------------------------------------------------------------------


def test_glue_values_and_table(bcg):
    fe = meta.pool(bcg, "RR", "FE")
    values = meta.glue_values(fe)
    assert values["tau2"] is None and values["pi_low"] is None and values["pi_high"] is None
    assert values["meta_summary"] == "RR 0.65 (95% CI 0.60 to 0.70), FE, 13 studies"
    assert all(isinstance(values[k], float) for k in ("pooled_estimate", "ci_low", "q", "i2"))
    table = meta.tabulate(meta.effect_sizes(bcg, "RR"), fe)
    assert len(table) == 14
    assert table.iloc[-1]["Study"] == "Pooled (FE)"
    assert table.iloc[0]["RR (95% CI)"] == "0.41 (0.13 to 1.26)"
    events, n = int(bcg["events_treatment"].sum()), int(bcg["n_treatment"].sum())
    assert table.iloc[-1]["Treatment events/n"] == f"{events:,}/{n:,}" and "," in f"{n:,}"
    hk = meta.pool(bcg, "RR", "DL", hartung_knapp=True)
    assert meta.summarise(hk).endswith("DL with Hartung-Knapp, 13 studies")
    assert meta.summarise(meta.pool(bcg, "RD", "MH")).startswith("RD -0.003 (95% CI")


def _layers(spec):
    return spec["layer"]


@pytest.mark.parametrize(("measure", "method"), [("RR", "REML"), ("OR", "MH"), ("RD", "DL")])
def test_forest_plot(bcg, measure, method):
    effects = meta.effect_sizes(bcg, measure)
    result = meta.pool(bcg, measure, method)
    spec = charts.meta_forest_plot(effects, result, measure).to_dict()
    assert spec["title"].startswith(meta.MEASURES[measure])
    assert "weight" in spec["description"] and str(result.k) in spec["description"]
    text = str(spec)
    assert "Weight (%)" in text and charts.OKABE_ITO[0] in text and charts.OKABE_ITO[5] in text
    assert "diamond" in text and "square" in text
    x_scale = _layers(spec)[-1]["encoding"]["x"]["scale"]
    assert x_scale.get("type") == ("log" if measure != "RD" else None)
    rule = _layers(spec)[0]
    (values,) = [v for k, v in spec["datasets"].items() if k.endswith(rule["data"]["name"][-32:])]
    assert values == [{"x": 0.0 if measure == "RD" else 1.0}]
    x_titles = [layer["encoding"]["x"].get("title") for layer in _layers(spec)]
    assert any(t and meta.MEASURES[measure] in t for t in x_titles)
    # the raw frame works too, and the pooled row carries the weights' total
    assert charts.meta_forest_plot(bcg, result, measure).to_dict()["title"] == spec["title"]


# --- reading a reader's CSV ----------------------------------------------------------------

HEADER = ",".join(meta.COLUMNS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{HEADER}\nA,4,123,11,139\nB,-6,306,29,303\n",
         r"row 2 \(study 'B'\), column 'events_treatment': -6 is negative"),
        (f"{HEADER}\nA,400,123,11,139\nB,6,306,29,303\n",
         r"row 1 \(study 'A'\), column 'events_treatment': 400 events exceed n_treatment"),
        (f"{HEADER}\nA,4,123,11,lots\nB,6,306,29,303\n",
         r"row 1 \(study 'A'\), column 'n_control': 'lots' is missing or not a number"),
        ("study,events_treatment,n_treatment\nA,4,123\nB,6,306\n",
         r"missing column\(s\) 'events_control', 'n_control'; expected study"),
    ],
)  # fmt: skip
def test_read_studies_names_the_file_row_and_column_in_one_line(tmp_path, text, message):
    path = tmp_path / "mine.csv"
    path.write_text(text)
    with pytest.raises(meta.StudiesInvalid, match=message) as error:
        meta.read_studies(path)
    assert str(error.value).startswith(f"{path}: ")
    assert "\n" not in str(error.value)


def test_read_studies_missing_file_says_what_was_expected(tmp_path):
    with pytest.raises(meta.StudiesInvalid, match=r"mine\.csv: file not found; expected a CSV"):
        meta.read_studies(tmp_path / "mine.csv")


def test_relative_data_path_is_relative_to_the_book_not_the_cwd(tmp_path, monkeypatch, bcg):
    monkeypatch.setenv("LIVINGREVIEW_ROOT", str(REPO))
    monkeypatch.chdir(tmp_path)  # as when the notebook is opened from another folder
    frame = meta.read_studies("data/examples/bcg_trials.csv")
    pd.testing.assert_frame_equal(frame, bcg)


def test_effect_sizes_and_heterogeneity_are_shown_rounded(bcg):
    effects = meta.effect_sizes(bcg, "RR")
    shown = meta.tabulate_effect_sizes(effects)
    assert list(shown.columns) == ["Study", "yi", "vi", "Included", "Note"]
    assert shown.iloc[0]["yi"] == f"{effects.iloc[0]['yi']:.3g}" and len(shown.iloc[0]["yi"]) < 7
    reml = meta.pool(bcg, "RR", "REML")
    text = meta.describe_heterogeneity(reml)
    assert text.startswith(f"tau² = {reml.tau2:.3g}, I² = {reml.i2:.1f}%")
    assert "not applicable" in meta.describe_heterogeneity(meta.pool(bcg, "RR", "FE"))
