"""The programme definition and periods: good ones load, bad ones name the key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hnbxl.core.periods import Period, PeriodError
from hnbxl.programme.definition import DefinitionError, Programme, load_programme, parse_programme
from tests.conftest import ROOT, TESTS

WILTSHIRE = (ROOT / "templates" / "wiltshire-hnb.toml").read_text(encoding="utf-8")


def test_the_bundled_definition_is_the_template(programme: Programme) -> None:
    assert Path(programme.source).read_text(encoding="utf-8") == WILTSHIRE
    assert programme.committee == "Children's Select Committee"
    assert programme.scale.labels == ("Green - On Track", "Amber - Off Track", "Red - At Risk")
    assert [len(programme.overview), len(programme.conditions), len(programme.measures),
            len(programme.finance_rows), len(programme.risks)] == [2, 5, 10, 9, 5]
    assert [r.score for r in programme.risks] == [12, 9, 9, 8, 6]
    assert programme.risk_scoring.valid_scores == (1, 2, 3, 4, 6, 8, 9, 12, 16)
    assert {m.unit for m in programme.measures} == {
        "count", "percent", "money", "count_with_share", "status"}


def test_the_hash_ignores_comments_but_not_content() -> None:
    base = parse_programme(WILTSHIRE).hash
    assert parse_programme("# a new comment\n" + WILTSHIRE).hash == base
    assert parse_programme(WILTSHIRE.replace("Children's Select", "Schools")).hash != base


def _error(text: str) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        parse_programme(text, "bad.toml")
    assert "\n" not in str(caught.value)
    return caught.value


def _line_of(text: str, needle: str, occurrence: int = 0) -> int:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return lines[occurrence]


@pytest.mark.parametrize(
    ("change", "key", "words", "needle"),
    [
        (('unit = "money"', 'unit = "pounds"'), "measures[4].unit", "not one of",
         'unit = "pounds"'),
        (('committee = "Children\'s Select Committee"\n', ""), "programme.committee",
         "missing", None),
        (("likelihood = 3\nimpact = 4", "likelihood = \"high\"\nimpact = 4"),
         "risks[0].likelihood", "expected a whole number", 'likelihood = "high"'),
        (('id = "c2"', 'id = "c1"'), "conditions[1].id", "used twice", None),
        (('source = "finance.cumulative_dsg"', 'source = "finance.nothing"'),
         "overview[1].rule", "not a finance row", "finance.nothing"),
        (("target = 4\n", "target = 5\n"), "risks[0].target", "not a score the grid",
         "target = 5"),
        (('colour = "#00B050"', 'colour = "green"'), "rag[0].colour", "#RRGGBB",
         'colour = "green"'),
        (('frequency = "monthly"', 'frequency = "monthly"\nfrequncy = "weekly"'),
         "programme.frequncy", "unknown key", "frequncy"),
    ],
)
def test_a_bad_definition_names_the_key_and_line(change: tuple[str, str], key: str,
                                                 words: str, needle: str | None) -> None:
    text = WILTSHIRE.replace(*change, 1)
    assert text != WILTSHIRE
    error = _error(text)
    assert error.key == key
    assert words in str(error)
    if needle:
        assert error.line == _line_of(text, needle), str(error)


def test_a_syntax_error_names_the_line() -> None:
    text = WILTSHIRE.replace('title = "High', 'title = High', 1)
    error = _error(text)
    assert error.line == _line_of(text, "title = High")


def test_a_second_programme_loads(northshire: Programme) -> None:
    assert northshire.scale.no_data.label == "Not rated"
    assert northshire.risk_scoring.valid_scores[-1] == 25
    assert northshire.overview[0].rule.kind == "derived"


def test_missing_definition_file_is_a_clear_error(tmp_path: Path) -> None:
    from hnbxl.core.issues import HnbxlError

    with pytest.raises(HnbxlError, match="no such programme definition"):
        load_programme(tmp_path / "nope.toml")
    assert (TESTS / "data" / "northshire.toml").exists()


@pytest.mark.parametrize("text", ["2024-02", "Feb-24", "February 2024", "Feb 2024", "feb-24",
                                  "02/2024", " 2024-2 "])
def test_period_spellings(text: str) -> None:
    period = Period.parse(text)
    assert period == Period(2024, 2)
    assert period.label == "Feb-24" and period.key == "2024-02"
    assert period.financial_year() == "2023/24" and period.quarter() == 4
    assert period.previous() == Period(2024, 1) and period.next() == Period(2024, 3)


@pytest.mark.parametrize("text", ["2024-13", "Febr-24", "13/2024", "", "24-02", "2024",
                                  "01/02/2024"])
def test_bad_periods_are_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(PeriodError, match="expected 2024-02, Feb-24"):
        Period.parse(text)


def test_financial_year_boundaries() -> None:
    assert Period(2024, 4).financial_year() == "2024/25"
    assert Period(2024, 4).quarter() == 1
    assert Period(2024, 3).financial_year() == "2023/24"
    assert Period(2024, 1).previous() == Period(2023, 12)


def test_new_risk_id_prefix_setting_and_default(northshire: Programme) -> None:
    from hnbxl.programme.definition import default_risk_prefix

    assert parse_programme(WILTSHIRE).risk_scoring.id_prefix == "R"  # from R1..R5
    assert northshire.risk_scoring.id_prefix == "K"  # from K1
    assert default_risk_prefix(["NR1", "NR2", "NR12"]) == "NR"
    assert default_risk_prefix(["NR1", "R2"]) == "R" and default_risk_prefix([]) == "R"
    text = WILTSHIRE.replace("[risk_scoring]\n", '[risk_scoring]\nid_prefix = "WR"\n', 1)
    assert parse_programme(text).risk_scoring.id_prefix == "WR"
    bad = WILTSHIRE.replace("[risk_scoring]\n", '[risk_scoring]\nid_prefix = "R-1 "\n', 1)
    with pytest.raises(DefinitionError, match=r"risk_scoring\.id_prefix"):
        parse_programme(bad)


def test_plausible_limits_default_and_can_be_set() -> None:
    """[limits] bounds counts and money; the form's specs carry them to Excel and the validator."""
    from datetime import date

    from hnbxl.forms.layout import COUNT, MONEY, build_layout

    default = parse_programme(WILTSHIRE).limits
    assert (default.count_max, default.money_min, default.money_max) == (
        10_000_000, -10_000_000_000, 10_000_000_000)
    text = WILTSHIRE + "\n[limits]\ncount_max = 5000\nmoney_max = 2_000_000\n"
    programme = parse_programme(text)
    layout = build_layout(programme, Period(2024, 2), None, None, date(2024, 3, 1))
    counts = [s for s in layout.inputs if s.kind == COUNT]
    money = [s for s in layout.inputs if s.kind == MONEY]
    assert counts and all(s.maximum == 5000 for s in counts)
    assert money and all(s.maximum == 2_000_000 for s in money)
    assert {s.minimum for s in money} <= {0, -10_000_000_000}  # a floor of 0 stays 0
    error = _error(WILTSHIRE + "\n[limits]\nmoney_min = 5\nmoney_max = 1\n")
    assert error.key == "limits.money_max" and "not above money_min" in str(error)
    error = _error(WILTSHIRE + "\n[limits]\ncount_maximum = 5\n")
    assert "count_maximum" in str(error)


def test_the_packaged_definition_is_the_template() -> None:
    """One Wiltshire definition: templates/ is what a council starts from and edits in
    the repository; the copy inside the package (what `hnbxl init` writes and a bare
    folder uses) must be the same bytes.  After editing the template:
    cp templates/wiltshire-hnb.toml hnbxl/data/."""
    from hnbxl.programme.definition import default_definition_path

    template = ROOT / "templates" / default_definition_path().name
    assert default_definition_path().read_bytes() == template.read_bytes(), (
        f"{template} and hnbxl/data/{template.name} differ: copy the template over")


def test_rhythm_of_sections_and_rows() -> None:
    from hnbxl.programme.rhythm import Rhythm

    text = WILTSHIRE.replace('owner = "finance"\ntab = "Finance"',
                             'owner = "finance"\ntab = "Finance"\nfrequency = "quarterly"\n'
                             'due = ["Mar", "Jun", "Sep", "Dec"]', 1)
    p = parse_programme(text, "q.toml")
    assert p.sections["finance"].rhythm == Rhythm("quarterly", (6, 9, 12, 3))
    assert p.sections_due("finance", Period(2024, 5)) == ()
    assert p.sections_due("finance", Period(2024, 6)) == ("finance",)
    assert p.rhythm_of("finance").belongs_to(Period(2024, 6), 4) == "Q1 2024/25"
    assert p.rhythm_of("finance").next_due(Period(2024, 6)) == Period(2024, 9)
    for due, words in (('["Jun", "Jul", "Sep", "Dec"]', "one due month in each quarter"),
                       ('["Jun", "Sep", "Dec"]', "due in 4 different months"),
                       ('["Jun", "Sep", "Dec", "Marc"]', "'Marc' is not a month")):
        bad = text.replace('due = ["Mar", "Jun", "Sep", "Dec"]', f"due = {due}")
        error = _error(bad)
        assert error.key == "sections.finance.due" and words in str(error), str(error)
        assert error.line == _line_of(bad, "due = ")
    error = _error(text.replace('frequency = "quarterly"', 'frequency = "weekly"'))
    assert error.key == "sections.finance.frequency" and "not one of" in str(error)
