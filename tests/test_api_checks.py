"""The Python API refuses what scenario files refuse, in the same words (zonesim.model.checks):
parameter names and values given to ZoneModel, and the settings of a Policy."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from zonesim.model.checks import BeyondRange, InputError
from zonesim.model.parameters import Parameters
from zonesim.studies.scenario_files import ScenarioError, load_scenario

import zonesim
from zonesim import MeasureSetting, Policy, ZoneModel, ZoneScenario

BAD = Path(__file__).parent / "data" / "bad_scenarios"
TABLE = zonesim.parameters()


def file_error(tmp_path: Path, text: str) -> ScenarioError:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value


def api_error(make, expected=ValueError) -> Exception:
    with pytest.raises(expected) as caught:
        make()
    return caught.value


# ---------------------------------------------------------------- parameters
PARAMETER_CASES = {  # name: (TOML value, Python value)
    "zone.jinqiao.far_cap": ("9.0", 9.0),  # the table's range is 1-3.66
    "market.rent_lambda": ("nan", math.nan),
    "exit.annual_rate": ('"fast"', "fast"),
    "market.rent_lamda": ("0.5", 0.5),  # a misspelt name
    "far_cap": ("2.0", 2.0),  # a name given by its last part
}


@pytest.mark.parametrize("name", PARAMETER_CASES)
@pytest.mark.parametrize("build", ["keywords", "ZoneScenario"])
def test_model_refuses_a_parameter_as_a_scenario_file_does(tmp_path, name, build):
    toml_value, value = PARAMETER_CASES[name]
    in_file = file_error(tmp_path, f'[parameters]\n"{name}" = {toml_value}\n')
    params = {name: value}
    if build == "keywords":
        in_code = api_error(lambda: ZoneModel(rng=1, months=1, params=params))
    else:
        in_code = api_error(lambda: ZoneModel(ZoneScenario(rng=1, months=1, params=params)))
    assert isinstance(in_code, InputError)
    assert in_code.message == in_file.message  # the same words
    assert in_file.key == f"parameters.{name}"
    # the API names the parameter: in front of a bad value, inside an unknown name
    assert name in str(in_code)
    assert str(in_code) in (in_file.message, f"{name}: {in_file.message}")


def test_out_of_range_message_names_range_and_unit():
    error = api_error(lambda: ZoneModel(rng=1, params={"zone.jinqiao.far_cap": 9.0}))
    low, high, unit = TABLE.loc["zone.jinqiao.far_cap", ["low", "high", "unit"]]
    assert str(error) == (
        f"zone.jinqiao.far_cap: 9 is outside the parameter's range [{low:g}, {high:g}] {unit}"
    )


def test_values_at_the_ends_of_a_range_pass_and_just_beyond_do_not():
    # low + 1.0 * (high - low), as samplers scale, lands an ulp above high for some rows
    span_end = TABLE["low"] + (TABLE["high"] - TABLE["low"])
    over = span_end[span_end > TABLE["high"]]
    assert len(over), "no row where the sampled end overshoots; pick another case"
    Parameters({name: float(value) for name, value in over.items()})
    Parameters({name: TABLE.at[name, "low"] for name in TABLE.index})
    name = over.index[0]
    beyond = TABLE.at[name, "high"] + 1e-6 * (TABLE.at[name, "high"] - TABLE.at[name, "low"])
    with pytest.raises(ValueError, match=f"^{name}: .* is outside"):
        Parameters({name: beyond})


def test_numpy_numbers_are_numbers():
    prm = Parameters({"space.build_lag": np.int64(20), "zone.jinqiao.far_cap": np.float64(3.0)})
    assert prm["space.build_lag"] == 20.0 and prm["zone.jinqiao.far_cap"] == 3.0


def test_a_value_beyond_the_range_on_purpose_is_taken_when_wrapped():
    with pytest.raises(ValueError, match="outside the parameter's range"):
        Parameters({"m6.alpha": 5.0})
    prm = Parameters({"m6.alpha": BeyondRange(5.0)})
    assert prm["m6.alpha"] == 5.0 and type(prm["m6.alpha"]) is float
    with pytest.raises(ValueError, match="must be a finite number"):
        Parameters({"m6.alpha": BeyondRange(math.inf)})


def test_unknown_parameter_is_a_value_error_and_a_failed_lookup():
    with pytest.raises(ValueError, match="did you mean 'market.rent_lambda'"):
        Parameters({"market.rent_lamda": 1.0})
    with pytest.raises(KeyError) as caught:
        Parameters()["market.rent_lamda"]
    assert (
        str(caught.value)
        == "unknown parameter 'market.rent_lamda'; did you mean 'market.rent_lambda'?"
    )


# ---------------------------------------------------------------- hints for a last part
def rows_ending(last: str) -> list[str]:
    return [n for n in TABLE.index if n.endswith(f".{last}")]


@pytest.mark.parametrize(
    ("last", "pattern", "count"),
    [
        ("far_cap", "zone.<zone>.far_cap", "one per zone"),
        ("margin", "sector.<sector>.margin", "one per sector"),
        ("alpha", "m<measure>.alpha", "one per measure"),
        ("days_saved", "m<measure>.days_saved", f"{len(rows_ending('days_saved'))} rows"),
    ],
)
def test_a_last_part_points_at_its_rows_in_file_and_api(tmp_path, last, pattern, count):
    rows = rows_ending(last)
    assert len(rows) > 2
    shown = f"{rows[0]}, {rows[1]}, ..."
    expected = f"unknown parameter '{last}'; did you mean '{pattern}' ({count}: {shown})?"
    in_file = file_error(tmp_path, f"[parameters]\n{last} = 1.0\n")
    assert str(in_file).endswith(f"bad.toml: parameters.{last}: {expected}")
    assert str(api_error(lambda: ZoneModel(rng=1, params={last: 1.0}))) == expected


def test_a_last_part_of_rows_that_differ_otherwise_lists_them():
    rows = rows_ending("review_prob")
    assert len(rows) >= 2
    message = str(api_error(lambda: Parameters({"review_prob": 0.5})))
    assert (
        message
        == "unknown parameter 'review_prob'; did you mean one of "
        + ", ".join(f"'{r}'" for r in rows)
        + "?"
    )


def test_a_last_part_of_one_row_names_it():
    assert str(api_error(lambda: Parameters({"rent_lambda": 0.5}))).endswith(
        "did you mean 'market.rent_lambda'?"
    )


# ---------------------------------------------------------------- policies
PLAN = Policy.plan_2024()
POLICY_CASES = {  # a file of the bad-scenario corpus: the same mistake made in code
    "unknown_measure.toml": lambda: Policy({"16": MeasureSetting(zones=frozenset({"jinqiao"}))}),
    "misspelled_zone.toml": lambda: PLAN.with_measure("6", zones=["jinqaio"]),
    "zones_not_list.toml": lambda: PLAN.with_measure("6", zones="jinqiao"),
    "zones_empty.toml": lambda: PLAN.with_measure("6", zones=[]),
    "enabled_text.toml": lambda: PLAN.with_measure("6", enabled="yes"),
    "start_negative.toml": lambda: PLAN.with_measure("6", start_month=-3),
    "intensity_negative.toml": lambda: PLAN.with_measure("6", intensity=-1),
}


@pytest.mark.parametrize("name", POLICY_CASES)
def test_policy_refuses_what_a_scenario_file_refuses(name):
    with pytest.raises(ScenarioError) as in_file:
        load_scenario(BAD / name)
    in_code = api_error(POLICY_CASES[name])
    assert in_code.message == in_file.value.message
    assert str(in_file.value).endswith(f": {in_code}")  # the key too (measures.6.zones)


def test_an_unknown_measure_id_gets_the_nearest():
    for make in (
        lambda: PLAN.with_measure("6a"),
        lambda: PLAN.only(["8", "6a"]),
        lambda: Policy({"6a": PLAN.measures["6"]}),
    ):
        assert str(api_error(make)) == "unknown measure '6a'; did you mean '6'?"


def test_a_keyword_that_is_no_setting_gets_the_nearest(tmp_path):
    in_file = file_error(tmp_path, '[measures.6]\nzone = ["jinqiao"]\n')
    in_code = api_error(lambda: PLAN.with_measure("6", zone=["jinqiao"]), TypeError)
    assert str(in_file).endswith(f": {in_code}")
    assert str(in_code) == "measures.6.zone: unknown key 'zone'; did you mean 'zones'?"


def test_only_refuses_a_single_id_as_text():
    assert "list of measure ids" in str(api_error(lambda: PLAN.only("10b")))
    assert set(PLAN.only(["10b"]).measures) == {"10b"}


def test_zones_are_kept_as_a_frozenset():
    as_list = PLAN.with_measure("6", zones=["jinqiao", "qingpu"])
    as_set = PLAN.with_measure("6", zones=frozenset({"qingpu", "jinqiao"}))
    assert as_list == as_set
    assert isinstance(as_list.measures["6"].zones, frozenset)
    off = Policy.baseline().with_measure("6", enabled=False, zones=frozenset())
    assert not off.measures["6"].enabled  # off and nowhere is allowed
