"""The statistics behind the pooled-effects page, on numbers worked by hand."""

import math

import pandas as pd
import pytest

from livingreview.analysis import pooled


def effects(*rows):
    columns = ["effect_id", "measure", "estimate", "ci_low", "ci_high"]
    return pd.DataFrame([dict(zip(columns, r, strict=True)) for r in rows])


def test_log_se_is_recovered_from_a_symmetric_interval():
    se = 0.25
    low, high = math.exp(-pooled.Z_95 * se), math.exp(pooled.Z_95 * se)
    assert pooled.log_se_from_ci(low, high) == pytest.approx(se)


def test_absolute_risk_from_an_odds_ratio_and_a_hazard_ratio():
    assert pooled.risk_with_ratio(0.5, 1.0, "OR") == pytest.approx(0.5)
    assert pooled.risk_with_ratio(0.5, 0.5, "OR") == pytest.approx(1 / 3)
    assert pooled.risk_with_ratio(0.5, 2.0, "HR") == pytest.approx(0.75)
    with pytest.raises(ValueError):
        pooled.risk_with_ratio(0.5, 0.5, "RD")


def test_absolute_effects_per_thousand():
    table = pooled.absolute_effects(
        effects(("e", "OR", 0.5, 0.25, 1.0)).assign(
            meta_analysis="M", outcome="mortality", subgroup_dimension="overall", subgroup=""
        ),
        0.5,
    )
    row = table.iloc[0]
    assert row["Control risk per 1,000"] == "500"
    assert row["difference"] == pytest.approx(1000 / 3 - 500)
    with pytest.raises(ValueError):
        pooled.absolute_effects(table, 1.0)


def test_subgroup_difference_of_identical_estimates_is_null():
    rows = effects(("a", "OR", 0.3, 0.2, 0.45), ("b", "OR", 0.3, 0.2, 0.45))
    result = pooled.subgroup_difference(rows, "a", "b")
    assert result.ratio_of_ratios == pytest.approx(1.0) and result.p_value == pytest.approx(1.0)
    se = math.sqrt(2) * pooled.log_se_from_ci(0.2, 0.45)
    assert result.ci_high == pytest.approx(math.exp(pooled.Z_95 * se))


def test_subgroups_on_different_measures_are_refused():
    with pytest.raises(ValueError):
        pooled.subgroup_difference(
            effects(("a", "OR", 1, 0.5, 2), ("b", "HR", 1, 0.5, 2)), "a", "b"
        )


@pytest.mark.parametrize(
    "point, low, high, text",
    [
        (-275.4, -320.2, -225.1, "275 fewer per 1,000 (225 to 320 fewer)"),
        (-40, -90, 12, "40 fewer per 1,000 (90 fewer to 12 more)"),
        (30, 5, 60, "30 more per 1,000 (5 to 60 more)"),
        (-1500, -2100, -1200, "1,500 fewer per 1,000 (1,200 to 2,100 fewer)"),
    ],
)
def test_differences_are_worded_as_fewer_or_more(point, low, high, text):
    assert pooled.describe_difference(point, low, high) == text


def test_glue_values_carry_each_subgroup_label_as_the_data_word_it():
    from conftest import REPO

    from livingreview.data.package import load_table
    from livingreview.data.project import Project

    effects = load_table("pooled_effects", Project(REPO))
    values = pooled.glue_values(effects)
    for effect_id, subgroup in zip(effects["effect_id"], effects["subgroup"], strict=True):
        assert values[f"{effect_id}_subgroup"] == subgroup
