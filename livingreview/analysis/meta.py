"""Meta-analysis of study-level 2x2 data: effect sizes, pooling, heterogeneity.

Input: one row per study with the columns ``study``, ``events_treatment``, ``n_treatment``,
``events_control`` and ``n_control``.

Effect measures (``measure``), analysed on the scale in brackets:

- ``OR`` odds ratio (log OR), variance 1/a + 1/b + 1/c + 1/d;
- ``RR`` risk ratio (log RR), variance 1/a - 1/n1 + 1/c - 1/n2;
- ``RD`` risk difference (RD), variance a*b/n1^3 + c*d/n2^3;

with a, b the events and non-events in the treatment arm (n1 = a + b) and c, d those in the
control arm (n2 = c + d).

Zero cells: a study with a zero in any of its four cells gets 0.5 added to all four cells
(so each arm grows by 1) before its effect size and variance are computed; studies without a
zero cell are left alone (metafor's default, ``add=1/2, to="only0"``). Mantel-Haenszel
pooling uses the uncorrected counts; the correction only affects the study-level estimates
(the rows of the forest plot, the inverse-variance weights and Cochran's Q).

Double-zero studies: for OR and RR a study with no events in either arm (or, equally, only
events in both arms) carries no information on the ratio; it is excluded from the analysis
and the result's notes say so. For RD such a study is kept (its risk difference is 0).

Pooling methods (``method``):

- ``FE``: fixed (common) effect, inverse-variance weights 1/v_i;
- ``MH``: Mantel-Haenszel; OR with the Robins-Breslow-Greenland variance (via statsmodels'
  ``StratifiedTable``), RR with the Greenland-Robins (1985) variance, RD with the Sato,
  Greenland and Robins (1989) variance as metafor uses (consistent for sparse data too;
  ``_mantel_haenszel(..., rd_variance="greenland-robins")`` gives the 1985 one, as Stata's
  metan does);
- ``DL``: random effects, DerSimonian-Laird moment estimator of tau^2;
- ``REML``: random effects, restricted maximum-likelihood tau^2 by Fisher scoring
  (Viechtbauer 2005), truncated at 0.

Heterogeneity: Cochran's Q uses the inverse-variance weights 1/v_i around the pooled
estimate of FE or MH (for DL and REML around the FE estimate); df = k - 1. I^2 is
100 * max(0, (Q - df) / Q) for FE and MH, and 100 * tau^2 / (tau^2 + s^2) for DL and REML
with s^2 the "typical" within-study variance (Higgins & Thompson 2002), as metafor reports
it; for DL the two coincide.

Random-effects extras: the Hartung-Knapp(-Sidik-Jonkman) adjustment rescales the standard
error by sqrt(sum w_i (y_i - mu)^2 / (k - 1)) and uses a t distribution with k - 1 df (no
truncation of the scale factor at 1, as metafor's ``test="knha"``). The 95% prediction
interval is mu +/- t(k - 2) * sqrt(tau^2 + se^2) (Higgins, Thompson & Spiegelhalter 2009),
with se the standard error used for the confidence interval; it needs k >= 3.

All intervals are 95%. Estimates and intervals of OR and RR are back-transformed to the
ratio scale; ``analysis_estimate`` and ``se`` stay on the analysis scale.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable

from livingreview.data.project import ROOT_ENV, ProjectNotFound, find_project
from livingreview.errors import LivingReviewError

COLUMNS = ("study", "events_treatment", "n_treatment", "events_control", "n_control")
MEASURES = {"OR": "Odds ratio", "RR": "Risk ratio", "RD": "Risk difference"}
METHODS = {
    "FE": "fixed effect (inverse variance)",
    "MH": "fixed effect (Mantel-Haenszel)",
    "DL": "random effects (DerSimonian-Laird)",
    "REML": "random effects (REML)",
}
RANDOM_EFFECTS = ("DL", "REML")
CONTINUITY = 0.5
LEVEL = 0.95
_Z = float(stats.norm.ppf(0.5 + LEVEL / 2))


@dataclass(frozen=True)
class MetaResult:
    """A pooled estimate with its heterogeneity statistics.

    ``pooled_estimate``, ``ci_low``, ``ci_high``, ``pi_low`` and ``pi_high`` are on the
    reported scale (ratio for OR and RR, difference for RD); ``analysis_estimate`` and ``se``
    on the analysis scale (log OR, log RR, RD). ``tau2`` is None for FE and MH, which assume
    no between-study variance; ``pi_low``/``pi_high`` are None for FE and MH and when fewer
    than 3 studies are pooled. ``weights`` are percentages, in the order of ``studies``.
    """

    measure: str
    method: str
    hartung_knapp: bool
    k: int
    pooled_estimate: float
    ci_low: float
    ci_high: float
    analysis_estimate: float
    se: float
    pvalue: float
    tau2: float | None
    i2: float
    q: float
    q_df: int
    q_pvalue: float
    pi_low: float | None
    pi_high: float | None
    studies: tuple[str, ...]
    weights: tuple[float, ...]
    excluded: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def ratio(self) -> bool:
        return self.measure in ("OR", "RR")

    def weight_of(self, study: str) -> float:
        """The study's weight in percent (0 for an excluded study)."""
        return dict(zip(self.studies, self.weights, strict=True)).get(study, 0.0)


def check_measure(measure: str) -> str:
    """``measure`` normalised to upper case; ValueError naming the choices otherwise."""
    name = str(measure).strip().upper()
    if name not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")
    return name


def check_method(method: str) -> str:
    """``method`` normalised to upper case; ValueError naming the choices otherwise."""
    name = str(method).strip().upper()
    if name not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    return name


def validate_studies(frame: pd.DataFrame) -> pd.DataFrame:
    """The five columns with integer counts; ValueError naming the row and column otherwise.

    Rows are numbered from 1 (the first data row). Counts must be whole numbers, events
    non-negative and at most the arm's size, arm sizes at least 1; study labels must be
    present and unique; at least 2 studies are needed.
    """
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            f"missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"expected {', '.join(COLUMNS)}"
        )
    data = frame.loc[:, list(COLUMNS)].reset_index(drop=True)
    if len(data) < 2:
        raise ValueError(f"a meta-analysis needs at least 2 studies; got {len(data)}")
    labels = []
    for row, value in enumerate(data["study"], start=1):
        label = "" if pd.isna(value) else str(value).strip()
        if not label:
            raise ValueError(f"row {row}, column 'study': the study label is empty")
        if label in labels:
            raise ValueError(f"row {row}, column 'study': duplicate study label {label!r}")
        labels.append(label)
    clean = pd.DataFrame({"study": labels})
    for column in COLUMNS[1:]:
        values = []
        for row, value in enumerate(data[column], start=1):
            where = f"row {row} (study {labels[row - 1]!r}), column {column!r}"
            number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
            if pd.isna(number):
                raise ValueError(f"{where}: {value!r} is missing or not a number")
            if float(number) != round(float(number)):
                raise ValueError(f"{where}: {value!r} is not a whole number of participants")
            count = int(round(float(number)))
            if count < 0:
                raise ValueError(f"{where}: {count} is negative")
            if column.startswith("n_") and count == 0:
                raise ValueError(f"{where}: the arm has no participants")
            values.append(count)
        clean[column] = np.array(values, dtype=np.int64)
    for arm in ("treatment", "control"):
        too_many = clean[f"events_{arm}"] > clean[f"n_{arm}"]
        if too_many.any():
            row = int(np.flatnonzero(too_many.to_numpy())[0])
            raise ValueError(
                f"row {row + 1} (study {labels[row]!r}), column 'events_{arm}': "
                f"{clean.at[row, f'events_{arm}']} events exceed n_{arm} "
                f"({clean.at[row, f'n_{arm}']})"
            )
    return clean


class StudiesInvalid(LivingReviewError):
    """A study CSV that cannot be analysed; the message names the file, row and column."""


def resolve_data_path(data_path: str | os.PathLike) -> Path:
    """An absolute path; a relative one is relative to the project root, not the cwd.

    So the notebook gives the same answer when opened from ``analyses/`` or run from any
    folder. The runner passes a reader's own file as an absolute path.
    """
    path = Path(data_path).expanduser()
    if path.is_absolute():
        return path
    try:
        root = find_project(Path(os.environ[ROOT_ENV]) if ROOT_ENV in os.environ else None).root
    except ProjectNotFound:
        try:  # started outside any checkout: the one this package belongs to
            root = find_project(Path(__file__).resolve().parents[2]).root
        except ProjectNotFound:
            return path.resolve()
    return (root / path).resolve()


def read_studies(data_path: str | os.PathLike) -> pd.DataFrame:
    """Read and check a study CSV (read-only); StudiesInvalid in one line naming the file.

    Rows are numbered from 1 (the first data row, line 2 of the file).
    """
    path = resolve_data_path(data_path)
    if not path.is_file():
        raise StudiesInvalid(
            f"{path}: file not found; expected a CSV with the columns {', '.join(COLUMNS)}"
        )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = " ".join(str(exc).split())
        raise StudiesInvalid(f"{path}: cannot read as CSV ({reason})") from None
    try:
        return validate_studies(frame)
    except ValueError as exc:
        raise StudiesInvalid(f"{path}: {exc}") from None


def _cells(frame: pd.DataFrame) -> tuple[np.ndarray, ...]:
    a = frame["events_treatment"].to_numpy(dtype=float)
    n1 = frame["n_treatment"].to_numpy(dtype=float)
    c = frame["events_control"].to_numpy(dtype=float)
    n2 = frame["n_control"].to_numpy(dtype=float)
    return a, n1 - a, c, n2 - c


def _to_reported(value: float | np.ndarray, measure: str):
    return np.exp(value) if measure in ("OR", "RR") else value


def effect_sizes(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Each study's effect size ``yi`` and variance ``vi`` on the analysis scale.

    Adds the columns ``yi``, ``vi``, ``estimate``, ``ci_low``, ``ci_high`` (reported scale,
    95%), ``corrected`` (0.5 added to every cell because of a zero cell), ``included`` and
    ``note``. Excluded studies (no events, or only events, in both arms, for OR and RR) keep
    their row with missing ``yi``/``vi`` and ``included`` False.
    """
    measure = check_measure(measure)
    data = validate_studies(frame)
    a, b, c, d = _cells(data)
    double = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))
    excluded = double if measure in ("OR", "RR") else np.zeros(len(data), dtype=bool)
    corrected = (np.minimum.reduce([a, b, c, d]) == 0) & ~excluded
    add = np.where(corrected, CONTINUITY, 0.0)
    a, b, c, d = a + add, b + add, c + add, d + add
    n1, n2 = a + b, c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "OR":
            yi = np.log(a * d / (b * c))
            vi = 1 / a + 1 / b + 1 / c + 1 / d
        elif measure == "RR":
            yi = np.log((a / n1) / (c / n2))
            vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
        else:
            yi = a / n1 - c / n2
            vi = a * b / n1**3 + c * d / n2**3
    yi = np.where(excluded, np.nan, yi)
    vi = np.where(excluded, np.nan, vi)
    out = data.copy()
    out["yi"] = yi
    out["vi"] = vi
    half = _Z * np.sqrt(vi)
    out["estimate"] = _to_reported(yi, measure)
    out["ci_low"] = _to_reported(yi - half, measure)
    out["ci_high"] = _to_reported(yi + half, measure)
    out["corrected"] = corrected
    out["included"] = ~excluded
    notes = []
    for is_excluded, is_corrected, events in zip(
        excluded, corrected, data["events_control"], strict=True
    ):
        if is_excluded:
            what = "no events" if events == 0 else "only events"
            notes.append(f"{what} in both arms: excluded, uninformative for the {measure}")
        elif is_corrected:
            notes.append(f"zero cell: {CONTINUITY} added to all four cells")
        else:
            notes.append("")
    out["note"] = notes
    return out


def _fixed(yi: np.ndarray, vi: np.ndarray) -> tuple[float, float, np.ndarray]:
    w = 1 / vi
    mu = float(np.sum(w * yi) / np.sum(w))
    return mu, float(np.sqrt(1 / np.sum(w))), w


def _cochran_q(yi: np.ndarray, vi: np.ndarray, centre: float) -> float:
    return float(np.sum((yi - centre) ** 2 / vi))


def _tau2_dl(yi: np.ndarray, vi: np.ndarray) -> float:
    """DerSimonian-Laird: (Q - (k - 1)) / (sum w - sum w^2 / sum w), truncated at 0."""
    mu, _, w = _fixed(yi, vi)
    q = _cochran_q(yi, vi, mu)
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return max(0.0, float((q - (len(yi) - 1)) / c))


def _tau2_reml(yi: np.ndarray, vi: np.ndarray, tol: float = 1e-10, max_iter: int = 200) -> float:
    """REML tau^2 by Fisher scoring on the restricted log-likelihood, tau^2 >= 0.

    With w = 1/(v + tau^2) and P = W - w w' / sum w, the score is
    (y'PPy - tr P) / 2 and the expected information tr(PP) / 2; a step that would make
    tau^2 negative is halved until it does not (metafor's ``rma.uni`` algorithm).
    """
    tau2 = _tau2_dl(yi, vi)
    for _ in range(max_iter):
        w = 1 / (vi + tau2)
        sw, sw2, sw3 = np.sum(w), np.sum(w**2), np.sum(w**3)
        mu = np.sum(w * yi) / sw
        ypy = np.sum(w**2 * (yi - mu) ** 2)  # y'PPy, since Py = w * (y - mu)
        trace_p = sw - sw2 / sw
        trace_pp = sw2 - 2 * sw3 / sw + (sw2 / sw) ** 2
        step = (ypy - trace_p) / trace_pp
        while tau2 + step < 0 and abs(step) > tol:
            step /= 2
        new = max(0.0, float(tau2 + step))
        if abs(new - tau2) < tol:
            return new
        tau2 = new
    raise RuntimeError(f"REML did not converge in {max_iter} iterations")


RD_VARIANCES = ("sato", "greenland-robins")


def _mantel_haenszel(
    data: pd.DataFrame, measure: str, rd_variance: str = "sato"
) -> tuple[float, float, np.ndarray]:
    """MH estimate and its standard error on the analysis scale, and the MH weights."""
    a, b, c, d = _cells(data)
    n1, n2 = a + b, c + d
    n = n1 + n2
    if measure == "OR":
        weights = b * c / n
        if np.sum(weights) == 0 or np.sum(a * d / n) == 0:
            raise ValueError("the Mantel-Haenszel odds ratio is undefined for these counts")
        table = StratifiedTable(np.array([[a, b], [c, d]]))
        return float(table.logodds_pooled), float(table.logodds_pooled_se), weights
    if measure == "RR":
        weights = c * n1 / n
        r, s = np.sum(a * n2 / n), np.sum(weights)
        if r == 0 or s == 0:
            raise ValueError("the Mantel-Haenszel risk ratio is undefined for these counts")
        variance = np.sum((n1 * n2 * (a + c) - a * c * n) / n**2) / (r * s)
        return float(np.log(r / s)), float(np.sqrt(variance)), weights
    weights = n1 * n2 / n
    sw = np.sum(weights)
    rd = np.sum((a * n2 - c * n1) / n) / sw
    if rd_variance == "greenland-robins":  # Greenland & Robins (1985); poor for sparse strata
        variance = np.sum((a * b * n2**3 + c * d * n1**3) / (n1 * n2 * n**2)) / sw**2
    else:  # Sato, Greenland & Robins (1989): consistent for sparse data and large strata alike
        p = np.sum(c * (n1 / n) ** 2 - a * (n2 / n) ** 2 + (n1 / n) * (n2 / n) * (n2 - n1) / 2)
        q = np.sum((a * (n2 - c) + c * (n1 - a)) / n) / 2
        variance = (rd * p + q) / sw**2
    return float(rd), float(np.sqrt(variance)), weights


def pool(
    frame: pd.DataFrame, measure: str = "RR", method: str = "REML", hartung_knapp: bool = False
) -> MetaResult:
    """Pool the studies in ``frame`` (see the module docstring for the methods)."""
    measure, method = check_measure(measure), check_method(method)
    if hartung_knapp and method not in RANDOM_EFFECTS:
        raise ValueError(
            f"the Hartung-Knapp adjustment applies to random-effects methods "
            f"({', '.join(RANDOM_EFFECTS)}) only, not to {method}"
        )
    effects = effect_sizes(frame, measure)
    used = effects[effects["included"]].reset_index(drop=True)
    k = len(used)
    if k < 2:
        raise ValueError(
            f"a meta-analysis needs at least 2 informative studies; {k} left after excluding "
            "studies with no events (or only events) in both arms"
        )
    yi, vi = used["yi"].to_numpy(), used["vi"].to_numpy()
    notes = [f"{MEASURES[measure]}, {METHODS[method]}, {k} studies; 95% intervals."]
    excluded = tuple(effects.loc[~effects["included"], "study"])
    if excluded:
        notes.append(f"Excluded (no events, or only events, in both arms): {', '.join(excluded)}.")
    if used["corrected"].any():
        notes.append(
            f"{CONTINUITY} added to all cells of studies with a zero cell: "
            f"{', '.join(used.loc[used['corrected'], 'study'])}"
            + (" (study-level estimates only; MH pools the raw counts)." if method == "MH" else ".")
        )

    fe_mu, fe_se, fe_w = _fixed(yi, vi)
    tau2: float | None = None
    if method == "FE":
        mu, se, weights = fe_mu, fe_se, fe_w
    elif method == "MH":
        mu, se, weights = _mantel_haenszel(used, measure)
        notes.append(
            "Mantel-Haenszel variance: "
            + ("Robins-Breslow-Greenland." if measure == "OR" else "Greenland-Robins (1985).")
        )
    else:
        tau2 = _tau2_dl(yi, vi) if method == "DL" else _tau2_reml(yi, vi)
        weights = 1 / (vi + tau2)
        mu = float(np.sum(weights * yi) / np.sum(weights))
        se = float(np.sqrt(1 / np.sum(weights)))

    q = _cochran_q(yi, vi, mu if method in ("FE", "MH") else fe_mu)
    q_df = k - 1
    if tau2 is None:
        i2 = 100 * max(0.0, (q - q_df) / q) if q > 0 else 0.0
    else:
        typical = q_df * np.sum(fe_w) / (np.sum(fe_w) ** 2 - np.sum(fe_w**2))
        i2 = float(100 * tau2 / (tau2 + typical))

    if hartung_knapp:
        scale = float(np.sum(weights * (yi - mu) ** 2) / (k - 1))
        se = float(np.sqrt(scale / np.sum(weights)))
        crit = float(stats.t.ppf(0.5 + LEVEL / 2, k - 1))
        pvalue = float(2 * stats.t.sf(abs(mu / se), k - 1))
        notes.append(f"Hartung-Knapp adjustment: t distribution with {k - 1} df.")
    else:
        crit = _Z
        pvalue = float(2 * stats.norm.sf(abs(mu / se)))

    pi_low = pi_high = None
    if tau2 is not None:
        if k >= 3:
            half = float(stats.t.ppf(0.5 + LEVEL / 2, k - 2)) * np.sqrt(tau2 + se**2)
            pi_low = float(_to_reported(mu - half, measure))
            pi_high = float(_to_reported(mu + half, measure))
            notes.append(f"Prediction interval: t distribution with {k - 2} df (Higgins 2009).")
        else:
            notes.append("No prediction interval: it needs at least 3 studies.")

    return MetaResult(
        measure=measure,
        method=method,
        hartung_knapp=bool(hartung_knapp),
        k=k,
        pooled_estimate=float(_to_reported(mu, measure)),
        ci_low=float(_to_reported(mu - crit * se, measure)),
        ci_high=float(_to_reported(mu + crit * se, measure)),
        analysis_estimate=float(mu),
        se=float(se),
        pvalue=pvalue,
        tau2=None if tau2 is None else float(tau2),
        i2=float(i2),
        q=float(q),
        q_df=q_df,
        q_pvalue=float(stats.chi2.sf(q, q_df)),
        pi_low=pi_low,
        pi_high=pi_high,
        studies=tuple(used["study"]),
        weights=tuple(float(x) for x in 100 * weights / np.sum(weights)),
        excluded=excluded,
        notes=tuple(notes),
    )


def format_value(value: float, measure: str) -> str:
    """Two decimals for ratios, three for risk differences."""
    return f"{value:.3f}" if measure == "RD" else f"{value:.2f}"


def summarise(result: MetaResult) -> str:
    """E.g. 'RR 0.49 (95% CI 0.34 to 0.70), REML, 13 studies'."""
    fmt = lambda v: format_value(v, result.measure)  # noqa: E731
    method = result.method + (" with Hartung-Knapp" if result.hartung_knapp else "")
    from livingreview.analysis import i18n

    return i18n.format(
        "{measure} {estimate} (95% CI {low} to {high}), {method}, {k} studies",
        measure=result.measure,
        estimate=fmt(result.pooled_estimate),
        low=fmt(result.ci_low),
        high=fmt(result.ci_high),
        method=method,
        k=result.k,
    )


def tabulate_effect_sizes(effects: pd.DataFrame) -> pd.DataFrame:
    """Each study's effect size and variance on the analysis scale, to three significant digits."""
    from livingreview.analysis import i18n

    return pd.DataFrame(
        {
            "Study": effects["study"],
            "yi": [f"{v:.3g}" if pd.notna(v) else "" for v in effects["yi"]],
            "vi": [f"{v:.3g}" if pd.notna(v) else "" for v in effects["vi"]],
            "Included": [i18n.gettext("yes" if v else "no") for v in effects["included"]],
            "Note": effects["note"].fillna(""),
        }
    ).astype("string")


def describe_heterogeneity(result: MetaResult) -> str:
    """E.g. 'tau² = 0.313, I² = 92.2%, Q = 152.23 (df 12)'; tau² only where the method has one."""
    from livingreview.analysis import i18n

    tau2 = i18n.gettext("not applicable") if result.tau2 is None else f"{result.tau2:.3g}"
    return i18n.format(
        "tau² = {tau2}, I² = {i2:.1f}%, Q = {q:.2f} (df {df})",
        tau2=tau2,
        i2=result.i2,
        q=result.q,
        df=result.q_df,
    )


def tabulate(effects: pd.DataFrame, result: MetaResult) -> pd.DataFrame:
    """Per-study effects and weights as readers see them, one row per study plus the pool."""
    fmt = lambda v: format_value(v, result.measure)  # noqa: E731
    rows = []
    for _, row in effects.iterrows():
        shown = (
            f"{fmt(row['estimate'])} ({fmt(row['ci_low'])} to {fmt(row['ci_high'])})"
            if row["included"]
            else "excluded"
        )
        rows.append(
            {
                "Study": row["study"],
                "Treatment events/n": f"{row['events_treatment']:,}/{row['n_treatment']:,}",
                "Control events/n": f"{row['events_control']:,}/{row['n_control']:,}",
                f"{result.measure} (95% CI)": shown,
                "Weight (%)": f"{result.weight_of(row['study']):.1f}",
                "Note": row["note"],
            }
        )
    pooled = f"{fmt(result.pooled_estimate)} ({fmt(result.ci_low)} to {fmt(result.ci_high)})"
    rows.append(
        {
            "Study": f"Pooled ({result.method})",
            "Treatment events/n": f"{int(effects['events_treatment'].sum()):,}/"
            f"{int(effects['n_treatment'].sum()):,}",
            "Control events/n": f"{int(effects['events_control'].sum()):,}/"
            f"{int(effects['n_control'].sum()):,}",
            f"{result.measure} (95% CI)": pooled,
            "Weight (%)": "100.0",
            "Note": "",
        }
    )
    return pd.DataFrame(rows).astype("string")


def glue_values(result: MetaResult) -> dict[str, float | str | None]:
    """The numbers the notebook glues, as plain Python values (None: not applicable)."""
    return {
        "pooled_estimate": result.pooled_estimate,
        "ci_low": result.ci_low,
        "ci_high": result.ci_high,
        "tau2": result.tau2,
        "i2": result.i2,
        "q": result.q,
        "pi_low": result.pi_low,
        "pi_high": result.pi_high,
        "meta_summary": summarise(result),
    }
