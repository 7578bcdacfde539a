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


def test_count_phrase_in_chinese_counts_the_unconfirmed_with_the_nouns_measure_word(
    tmp_path, monkeypatch
):
    """Reports are counted with 篇, studies with 项: the template gets the noun to say so."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from livingreview.analysis import i18n

    catalog = Catalog(locale="zh_CN")
    catalog.add("reports", "篇报告")
    catalog.add("animal studies", "项动物研究")
    catalog.add(
        "{phrase}, {unconfirmed:,} unconfirmed", "{phrase}，其中 {unconfirmed:,} {noun}未确认"
    )
    path = i18n.catalog_path(tmp_path, "zh_CN")
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setenv("LIVINGREVIEW_ROOT", str(tmp_path))
    i18n.read_catalog.cache_clear()
    i18n.use("zh_CN")
    try:
        assert (
            confirmation.count_phrase(7, 2, "report", "reports") == "7 篇报告，其中 2 篇报告未确认"
        )
        assert confirmation.count_phrase(12, 1, "animal study", "animal studies") == (
            "12 项动物研究，其中 1 项动物研究未确认"
        )
    finally:
        i18n.use("en")
        i18n.read_catalog.cache_clear()
