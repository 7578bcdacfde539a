from datetime import date

import pandas as pd
import pytest

from livingreview.data import dates


@pytest.mark.parametrize(
    "text, parts",
    [("2021", (2021,)), ("2021-12", (2021, 12)), ("2024-02-29", (2024, 2, 29)),
     ("2023-02-29", None), ("2021-13", None), ("21-12", None), ("2021/12", None), ("", None)],
)  # fmt: skip
def test_partial_dates_parse_only_when_real(text, parts):
    assert dates.parse_partial(text) == parts


def test_iso_dates_need_all_three_parts():
    assert dates.parse_iso("2026-11-25") == date(2026, 11, 25)
    assert dates.parse_iso("2026-11") is None and not dates.is_iso("2026-02-30")


def test_partial_dates_compare_on_their_common_precision():
    assert dates.in_order(["2020-11", "2020-11-19", "2021-12"]) is True
    assert dates.in_order(["2022-01", "2021-12-31"]) is False
    assert dates.in_order(["2021-13", "2022"]) is None


def test_a_partial_date_becomes_the_first_or_last_day_of_its_period():
    assert dates.to_date("2021-12") == date(2021, 12, 1)
    assert dates.to_date("2024-02", end_of_period=True) == date(2024, 2, 29)
    assert dates.to_date("2021", end_of_period=True) == date(2021, 12, 31)
    assert dates.to_date("") is None and dates.to_date(float("nan")) is None
    assert dates.to_date(pd.NA) is None
    with pytest.raises(ValueError):
        dates.to_date("2021-99")
