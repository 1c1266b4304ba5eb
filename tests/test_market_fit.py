"""The market rent equation's fit on the record to 2024-03 and its held-out forecast: the fit
recovers the parameters of a record the equation itself wrote, weighs intervals by their
length, never sees a rent after 2024-03, and is what the parameter table holds."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from zonesim.calibration import market
from zonesim.model.market import monthly_record, record, rent_by_equation
from zonesim.model.parameters import Parameters

from zonesim.cli import main

TABLE_CSV = Path(__file__).parents[1] / "model" / "data" / "parameters.csv"
HELD_OUT = ("market.2024-09.rent", "market.2024-12.rent")


def _table() -> dict[str, float]:
    return dict(Parameters())


def _record_written_by_the_equation(rent_lambda: float, natural: float) -> dict[str, float]:
    """The table with every recorded rent replaced by what the rent equation gives from the
    first recorded rent on the record's own vacancy path."""
    prm = _table()
    vacancy = monthly_record(prm)["vacancy"]
    path = pd.Series(
        rent_by_equation(1.6, vacancy.to_numpy(), rent_lambda, natural), index=vacancy.index
    )
    for month in record(prm)["rent"].dropna().index:
        prm[f"market.{month}.rent"] = float(path[month])
    return prm


@pytest.mark.parametrize("rent_lambda, natural", [(1.1, 0.14), (0.6, 0.11), (2.5, 0.16)])
def test_the_fit_recovers_the_parameters_of_a_record_the_equation_wrote(rent_lambda, natural):
    done = market.fit_market(_record_written_by_the_equation(rent_lambda, natural))
    assert done.rent_lambda == pytest.approx(rent_lambda, rel=1e-9)
    assert done.natural_vacancy == pytest.approx(natural, rel=1e-9)
    assert list(done.intervals["end"].astype(str)) == ["2023-06", "2023-12", "2024-03"]


def test_intervals_are_weighted_by_their_months():
    """A six-month interval weighs as much as two three-month intervals with its change and
    vacancy, and twice as much as one of them."""
    three = pd.DataFrame(
        {"months": [6, 6, 3], "growth": [0.02, -0.03, -0.05], "vacancy": [0.11, 0.15, 0.16]}
    )
    split = pd.concat([three.iloc[[0]].assign(months=3)] * 2 + [three.iloc[1:]])
    assert market.fit_rent_equation(split) == pytest.approx(market.fit_rent_equation(three))
    unweighted = three.assign(months=1)
    assert market.fit_rent_equation(unweighted) != pytest.approx(
        market.fit_rent_equation(three), rel=1e-3
    )


def test_the_fit_refuses_a_record_that_cannot_pin_it_down():
    rows = pd.DataFrame({"months": [6], "growth": [0.01], "vacancy": [0.12]})
    with pytest.raises(ValueError, match="at least two"):
        market.fit_rent_equation(rows)
    rising = pd.DataFrame({"months": [6, 6], "growth": [-0.01, 0.02], "vacancy": [0.1, 0.2]})
    with pytest.raises(ValueError, match="does not fall"):
        market.fit_rent_equation(rising)


def test_the_forecast_uses_no_recorded_rent_after_the_fit_window():
    prm = _table()
    before = market.fit_market(prm)
    perturbed = {**prm, HELD_OUT[0]: 3.0, HELD_OUT[1]: 0.5}
    after = market.fit_market(perturbed)
    assert (after.rent_lambda, after.natural_vacancy) == (
        before.rent_lambda,
        before.natural_vacancy,
    )
    pd.testing.assert_series_equal(after.forecast, before.forecast)
    assert market.forecast_statistics(perturbed) == market.forecast_statistics(prm)
    # the recorded rent the forecast starts from does move it: the check above can see one
    fitted = (before.rent_lambda, before.natural_vacancy)
    moved = market.forecast({**prm, "market.2024-03.rent": 1.6}, *fitted)
    assert moved.iloc[-1] != pytest.approx(before.forecast.iloc[-1])


def test_the_forecast_runs_the_equation_on_the_recorded_vacancy_path():
    prm = _table()
    path = market.forecast(prm, 1.0, 0.2)
    assert path.index[0] == market.FIT_END and path.index[-1] == market.FORECAST_END
    assert path.iloc[0] == prm["market.2024-03.rent"]
    # vacancy under 20% all the way (16.6% -> 25.7% passes 20% in the fourth month)
    rises = np.diff(path.to_numpy()) > 0
    assert rises[:3].all() and not rises[4:].any()
    # the vacancy between 2024-03 and 2024-12 is a straight line (no quarter recorded)
    vacancy = monthly_record(prm)["vacancy"].loc[market.FIT_END : market.FORECAST_END]
    assert np.diff(vacancy.to_numpy(), 2) == pytest.approx(0, abs=1e-12)


def test_the_table_holds_the_fit_rounded_and_nothing_tuned_to_the_forecast(capsys):
    done = market.fit_market(_table())
    rows = market.fitted_rows(done)
    table = {r["name"]: r for r in csv.DictReader(TABLE_CSV.open(encoding="utf-8"))}
    for r in rows.itertuples():
        assert float(table[r.name]["value"]) == r.value
        assert (table[r.name]["grade"], table[r.name]["source"]) == ("D", r.source)
    assert rows.set_index("name").loc[market.LAMBDA, "value"] == pytest.approx(
        done.rent_lambda, abs=0.05
    )
    # the command prints exactly the table's lines, to paste
    assert main(["calibrate", "--target", "market"]) == 0
    printed = capsys.readouterr().out
    lines = TABLE_CSV.read_text(encoding="utf-8").splitlines()
    for name in rows["name"]:
        assert next(line for line in lines if line.startswith(f"{name},")) in printed


def test_calibrate_market_refuses_options_about_runs(tmp_path):
    for argv in (["-r", "3"], ["--samples", "5"], ["--out", str(tmp_path / "x")], ["baseline"]):
        assert main(["calibrate", "--target", "market", *argv]) == 2, argv
    assert not (tmp_path / "x").exists()
