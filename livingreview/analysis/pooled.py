"""Pooled effect estimates from the meta-analyses: loading, labelling and summary text."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from livingreview.analysis import i18n
from livingreview.analysis.confirmation import MARKER
from livingreview.analysis.evidence import reference_links
from livingreview.data.bib import citation_labels
from livingreview.data.package import load_table
from livingreview.data.project import Project


def load_pooled_effects(project: Project | None = None) -> pd.DataFrame:
    """Every pooled estimate with a readable label; unconfirmed ones are marked, not hidden."""
    effects = load_table("pooled_effects", project).reset_index(drop=True)
    effects["label"] = [label(row) for _, row in effects.iterrows()]
    return effects


def _marker(row) -> str:
    return "" if row.get("verification", "confirmed") == "confirmed" else f" [{MARKER}]"


def label(row: pd.Series) -> str:
    subgroup = "all studies" if row["subgroup_dimension"] == "overall" else row["subgroup"]
    # outcome (a category) and subgroup (the data's words) in the edition's words
    tr = i18n.active()
    return i18n.format(
        "{name}: {outcome}, {subgroup}{marker}",
        name=row["meta_analysis"],
        outcome=tr.lookup(str(row["outcome"])),
        subgroup=tr.cell(str(subgroup), "pooled_effects/subgroup"),
        marker=_marker(row),
    )


def format_ratio(value: float) -> str:
    return f"{float(value):.2f}"


def summary(row: pd.Series) -> str:
    """E.g. 'OR 0.29 (95% CI 0.22 to 0.38)', marked when the estimate is unconfirmed."""
    return i18n.format(
        "{measure} {estimate} (95% CI {low} to {high}){marker}",
        measure=row["measure"],
        estimate=format_ratio(row["estimate"]),
        low=format_ratio(row["ci_low"]),
        high=format_ratio(row["ci_high"]),
        marker=_marker(row),
    )


def glue_values(effects: pd.DataFrame) -> dict[str, object]:
    """Every number the chapters quote, keyed ``<effect_id>_<quantity>``, as plain Python values."""
    values: dict[str, object] = {"n_pooled_effects": int(len(effects))}
    for _, row in effects.iterrows():
        key = row["effect_id"]
        values[f"{key}_summary"] = summary(row)
        # The subgroup's label (a dose or timing threshold) is data too.
        values[f"{key}_subgroup"] = i18n.active().cell(
            str(row["subgroup"]), "pooled_effects/subgroup"
        )
        for column in ("estimate", "ci_low", "ci_high"):
            values[f"{key}_{column}"] = float(row[column])
        for column in ("n_studies", "n_animals"):
            if not pd.isna(row[column]):
                values[f"{key}_{column}"] = int(row[column])
    return values


def table(effects: pd.DataFrame, project: Project | None = None) -> pd.DataFrame:
    """The pooled estimates as readers see them in the book; each meta-analysis is named by an
    author-year link to its bibliography entry."""
    words = i18n.translate_cells(effects, "pooled_effects", project=project)
    shown = pd.DataFrame(
        {
            "Meta-analysis": effects["ref_key"],
            "Product": words["product"],
            "Outcome": words["outcome"],
            "Subgroup": words["subgroup"],
            "Estimate (95% CI)": [summary(r) for _, r in effects.iterrows()],
            "P": effects["p_value"],
            "Studies": effects["n_studies"],
            "Animals": effects["n_animals"].map(lambda n: "" if pd.isna(n) else f"{int(n):,}"),
            "Model": words["model"],
            "Risk of bias (as judged by the meta-analysis)": words["risk_of_bias"],
            "Reported in": words["reported_in"],
        }
    )
    shown = shown.astype("string").fillna("")
    labels = citation_labels(project)
    where = "data/pooled_effects.csv, column 'ref_key'"
    links = [reference_links(key, labels, where) for key in shown["Meta-analysis"]]
    shown["Meta-analysis"] = pd.Series(links, index=shown.index, dtype=object)
    return shown


Z_95 = 1.959963984540054


def log_se_from_ci(ci_low: float, ci_high: float) -> float:
    """Standard error on the log scale recovered from a symmetric-on-log 95% CI."""
    return (math.log(float(ci_high)) - math.log(float(ci_low))) / (2 * Z_95)


def risk_with_ratio(baseline_risk: float, ratio: float, measure: str) -> float:
    """Risk in the treated group implied by a ratio at a control-group risk.

    OR: odds scaled by the ratio. HR: proportional hazards over the same horizon,
    risk = 1 - (1 - p) ** HR.
    """
    p, r = float(baseline_risk), float(ratio)
    if measure == "OR":
        return r * p / (1 - p + r * p)
    if measure == "HR":
        return 1 - (1 - p) ** r
    raise ValueError(f"no absolute-risk conversion for measure {measure!r}")


def absolute_effects(effects: pd.DataFrame, baseline_risk: float) -> pd.DataFrame:
    """Per 1,000 animals: control risk, risk with MSCs and the difference, with CI ranges."""
    if not 0 < baseline_risk < 1:
        raise ValueError(f"baseline_risk must lie strictly between 0 and 1, got {baseline_risk}")
    rows = []
    for _, row in effects.iterrows():
        per = {
            name: 1000 * risk_with_ratio(baseline_risk, row[col], row["measure"])
            for name, col in (("point", "estimate"), ("low", "ci_low"), ("high", "ci_high"))
        }
        control = 1000 * baseline_risk
        rows.append(
            {
                "effect_id": row["effect_id"],
                "Estimate": label(row),
                "Relative effect (95% CI)": summary(row),
                "Control risk per 1,000": f"{control:.0f}",
                "Risk with MSCs per 1,000 (95% CI)": i18n.format(
                    "{point:.0f} ({low:.0f} to {high:.0f})", **per
                ),
                "Difference per 1,000 (95% CI)": describe_difference(
                    per["point"] - control, per["low"] - control, per["high"] - control
                ),
                "difference": per["point"] - control,
            }
        )
    return pd.DataFrame(rows)


def _fewer_or_more(value: float) -> tuple[str, str]:
    count = f"{abs(value):,.0f}"
    if count == "0":
        return count, ""
    return count, i18n.gettext("fewer" if value < 0 else "more")


def describe_difference(point: float, low: float, high: float) -> str:
    """'275 fewer per 1,000 (225 to 320 fewer)', as a summary-of-findings table words it.

    The interval runs from the smaller to the larger change; when it crosses no difference,
    each end says its own direction ('40 fewer to 12 more').
    """
    ends = sorted((low, high), key=lambda v: (v > 0, abs(v)) if point <= 0 else (v < 0, abs(v)))
    (a, a_dir), (b, b_dir) = (_fewer_or_more(v) for v in ends)
    count, direction = _fewer_or_more(point)
    fmt = i18n.format
    head = fmt("{count} {direction} per 1,000", count=count, direction=direction)
    head = head.replace("  ", " ")
    if a_dir in (b_dir, ""):
        interval = fmt("{a} to {b} {b_dir}", a=a, b=b, b_dir=b_dir)
    else:
        interval = fmt("{a} {a_dir} to {b} {b_dir}", a=a, a_dir=a_dir, b=b, b_dir=b_dir)
    return fmt("{head} ({interval})", head=head, interval=interval.strip())


@dataclass(frozen=True)
class SubgroupDifference:
    first: str
    second: str
    ratio_of_ratios: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float

    def summary(self) -> str:
        return i18n.format(
            "ratio of odds ratios {ratio:.2f} (95% CI {low:.2f} to {high:.2f}), P = {p:.2f}",
            ratio=self.ratio_of_ratios,
            low=self.ci_low,
            high=self.ci_high,
            p=self.p_value,
        )


def subgroup_difference(effects: pd.DataFrame, first: str, second: str) -> SubgroupDifference:
    """z-test for two disjoint subgroups on the log scale.

    Assumes the subgroups share no studies (so their estimates are independent), that each
    CI is symmetric on the log scale, and normality of the log ratios. It compares pooled
    estimates; it cannot separate the factor from others that differ between the subgroups.
    """
    rows = effects.set_index("effect_id")
    a, b = rows.loc[first], rows.loc[second]
    if a["measure"] != b["measure"]:
        raise ValueError("subgroups must use the same measure")
    diff = math.log(float(a["estimate"])) - math.log(float(b["estimate"]))
    se = math.hypot(
        log_se_from_ci(a["ci_low"], a["ci_high"]), log_se_from_ci(b["ci_low"], b["ci_high"])
    )
    z = diff / se
    p_value = math.erfc(abs(z) / math.sqrt(2))
    return SubgroupDifference(
        first,
        second,
        math.exp(diff),
        math.exp(diff - Z_95 * se),
        math.exp(diff + Z_95 * se),
        z,
        p_value,
    )
