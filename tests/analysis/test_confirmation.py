import pandas as pd
import pytest

from livingreview.analysis import confirmation


def test_unconfirmed_values_carry_the_marker_and_blanks_stay_blank():
    frame = pd.DataFrame({"x": ["a", "b", ""], "verification": ["confirmed", "unverified", "x"]})
    shown = confirmation.mark(frame["x"], confirmation.confirmed(frame))
    assert list(shown) == ["a", f"b [{confirmation.MARKER}]", ""]
    assert confirmation.legend_for(shown.to_frame()) == confirmation.LEGEND
    assert confirmation.legend_for(frame[["x"]]) == ""


def test_registry_flags_count_as_the_verification_column():
    frame = pd.DataFrame({"registry_verified": pd.array([True, False, None], dtype="boolean")})
    assert list(confirmation.confirmed(frame)) == [True, False, False]
    with pytest.raises(KeyError):
        confirmation.confirmed(pd.DataFrame({"y": [1]}))


def test_count_phrase_says_how_many_are_unconfirmed():
    assert confirmation.count_phrase(12, 1, "animal study", "animal studies") == (
        "12 animal studies, 1 unconfirmed"
    )
    assert confirmation.count_phrase(1, 0, "trial", "trials") == "1 trial"
    assert confirmation.count_phrase(1266, 0, "animal", "animals") == "1,266 animals"
