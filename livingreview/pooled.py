"""Pooled effect estimates from the meta-analyses: loading, labelling and summary text."""

from __future__ import annotations

import pandas as pd

from livingreview.datapackage import load_table
from livingreview.project import Project


def load_pooled_effects(
    include_unverified: bool = False, project: Project | None = None
) -> pd.DataFrame:
    """The pooled estimates, each with a readable label; unverified rows only when asked."""
    effects = load_table("pooled_effects", project)
    if not include_unverified:
        effects = effects[effects["verification"] == "confirmed"]
    effects = effects.reset_index(drop=True)
    effects["label"] = [label(row) for _, row in effects.iterrows()]
    return effects


def label(row: pd.Series) -> str:
    subgroup = "all studies" if row["subgroup_dimension"] == "overall" else row["subgroup"]
    return f"{row['meta_analysis']}: {row['outcome']}, {subgroup}"


def format_ratio(value: float) -> str:
    return f"{float(value):.2f}"


def summary(row: pd.Series) -> str:
    """E.g. 'OR 0.29 (95% CI 0.22 to 0.38)'."""
    return (
        f"{row['measure']} {format_ratio(row['estimate'])} "
        f"(95% CI {format_ratio(row['ci_low'])} to {format_ratio(row['ci_high'])})"
    )


def glue_values(effects: pd.DataFrame) -> dict[str, object]:
    """Every number the chapters quote, keyed ``<effect_id>_<quantity>``, as plain Python values."""
    values: dict[str, object] = {"n_pooled_effects": int(len(effects))}
    for _, row in effects.iterrows():
        key = row["effect_id"]
        values[f"{key}_summary"] = summary(row)
        for column in ("estimate", "ci_low", "ci_high"):
            values[f"{key}_{column}"] = float(row[column])
        for column in ("n_studies", "n_animals"):
            if not pd.isna(row[column]):
                values[f"{key}_{column}"] = int(row[column])
    return values


def table(effects: pd.DataFrame) -> pd.DataFrame:
    """The pooled estimates as readers see them in the book."""
    shown = pd.DataFrame(
        {
            "Meta-analysis": effects["meta_analysis"],
            "Product": effects["product"],
            "Outcome": effects["outcome"],
            "Subgroup": effects["subgroup"],
            "Estimate (95% CI)": [summary(r) for _, r in effects.iterrows()],
            "Studies": effects["n_studies"],
            "Animals": effects["n_animals"],
            "Reported in": effects["reported_in"],
        }
    )
    return shown.astype("string").fillna("")
