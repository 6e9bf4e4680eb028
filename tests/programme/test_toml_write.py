"""Values written as TOML writes them: what diff prints and generate suggests must paste back."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from hnbxl.programme.diff import diff_definitions
from hnbxl.programme.toml_write import toml_key, toml_value


@pytest.mark.parametrize("value", [
    "Amber", 'say "hi"\\ now\n', True, False, 0, -5, 1.5, 84500000, ["a", 1, True],
    {"baseline": 0, "budget": 1753000.5}, dt.date(2024, 4, 1), "tab\there",
])
def test_each_value_reads_back_as_itself(value: object) -> None:
    assert tomllib.loads(f"x = {toml_value(value)}")["x"] == value


def test_keys_are_quoted_only_when_toml_needs_it() -> None:
    assert toml_key("baseline") == "baseline"
    assert toml_key("2024/25") == '"2024/25"'
    assert tomllib.loads(f"{toml_key('2024/25')} = 1") == {"2024/25": 1}


def test_diff_prints_toml_not_python() -> None:
    old = '[a]\nlabel = "Amber"\nflag = false\n'
    new = '[a]\nlabel = "Red"\nflag = true\n'
    lines = [c.text for c in diff_definitions(old, new)]
    assert lines == ['~ a.label: "Amber" -> "Red"', "~ a.flag: false -> true"]
