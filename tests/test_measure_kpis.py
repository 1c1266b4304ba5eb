"""The measure_kpis table: each measure's own outcomes per zone and month, checked against the
firms it was counted from, and its entrants drawn against the location choice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_model, months_of
from zonesim.agents import behaviour
from zonesim.model import MEASURE_KPIS, parameter_table
from zonesim.model.location import LocationChoice

from zonesim import Policy

OUTCOMES = [k for k in MEASURE_KPIS if k not in ("eligible", "uptake_share")]
EFFECTS = ("fixed_cost", "days", "credit")


def test_without_the_plan_no_measure_has_any_outcome():
    table = make_model(policy=Policy.baseline(), months=48).run().measure_kpis()
    assert table["eligible"].sum() > 0
    nonzero = table[(table[OUTCOMES] != 0).any(axis=1)]
    assert nonzero.empty, nonzero.head()


class Spy:
    """Records, each month, the firms as the recorder counted them (after operate), and who
    held which measure at the end of the month before, by the firms' identities."""

    def __init__(self, model):
        self.model, self.months, self.floor = model, {}, {}
        self.held = self._holdings()
        collect = model.recorder.collect_measures

        def spy(m):
            f = m.firms
            rows, cols = m.adopted_pairs
            # read now: the effects hold views of the firm table, which later months reorder
            self.months[m.month] = {
                "pairs": (f.ident[rows], f.zone[rows], cols),
                "benefit": np.asarray(m.benefit[rows, cols], dtype=float),
                **{name: m.effects.at(name, rows, cols) for name in EFFECTS},
                "held": self.held,
            }
            collect(m)

        model.recorder.collect_measures = spy

    def _holdings(self) -> set[tuple[int, int]]:
        f = self.model.firms
        rows, cols = behaviour.pairs(f.adopted)
        return set(zip(f.ident[rows].tolist(), cols.tolist(), strict=True))

    def step_all(self):
        for month in months_of(self.model):
            self.held = self._holdings()
            self.floor[month] = self._floor_at_close()

    def _floor_at_close(self) -> np.ndarray:
        """Floor 10a brings in (its adopters' office floor: floor x office share over 1 +
        their extra floor share) and 10b's adopters hold, per zone, from the firms' columns."""
        model, f = self.model, self.model.firms
        out = np.zeros((len(model.measure_ids), len(model.zone_ids)))
        mixed, far = model.measures.index["10a"], model.far_index
        use = f.adopted[:, mixed]
        brought = f.floor[use] * f.office_share[use] / (1 + f.extra_floor_share[use])
        np.add.at(out[mixed], f.zone[use], brought)
        np.add.at(out[far], f.zone[f.adopted[:, far]], f.floor[f.adopted[:, far]])
        return out


def _by_zone(values, zone, cols, k, z):
    out = np.zeros((k, z))
    np.add.at(out, (cols, zone), values)
    return out


def test_each_measures_outcomes_add_up_from_its_adopters():
    model = make_model(months=42)
    spy = Spy(model)
    spy.step_all()
    table = model.measure_kpis()
    book, k, z = model.measures, len(model.measure_ids), len(model.zone_ids)
    checked = 0
    for month, seen in spy.months.items():
        if month == 0:
            continue
        ident, zone, cols = seen["pairs"]
        running = book.running_cost[cols]
        new = np.array(
            [
                (i, c) not in seen["held"]
                for i, c in zip(ident.tolist(), cols.tolist(), strict=True)
            ],
            dtype=bool,
        )
        one_off = book.fixed_cost[cols] + seen["fixed_cost"]
        expected = {
            "adopted": _by_zone(np.ones(len(cols)), zone, cols, k, z),
            "benefit_rmb_m": _by_zone(seen["benefit"], zone, cols, k, z),
            "net_benefit_rmb_m": _by_zone(seen["benefit"] - running, zone, cols, k, z),
            "costs_paid_rmb_m": _by_zone(
                np.where(new, one_off, 0) + running / 12, zone, cols, k, z
            ),
            "days_saved": _by_zone(seen["days"], zone, cols, k, z),
            "credit_unlocked_rmb_m": _by_zone(seen["credit"], zone, cols, k, z),
        }
        rows_of_month = table[table["month"] == month]
        for kpi, values in expected.items():
            recorded = rows_of_month[kpi].to_numpy().reshape(k, z)
            np.testing.assert_allclose(recorded, values, rtol=1e-9, atol=1e-9, err_msg=kpi)
        floor = rows_of_month["floor_used_m2"].to_numpy().reshape(k, z)
        np.testing.assert_allclose(floor, spy.floor[month], rtol=1e-9, atol=1e-6)
        checked += int(new.sum())
    assert checked > 20  # adoptions happened, so one-off costs were tested
    # and every outcome the table reports occurred somewhere in the run
    totals = table.groupby("measure")[OUTCOMES].sum()
    assert (totals.max() > 0).all(), totals.max()


def test_the_held_measures_net_benefit_is_its_benefit_less_the_running_cost():
    table = make_model(months=24, firm_scale=0.5).run().measure_kpis()
    running = table["measure"].map(lambda m: parameter_table().at[f"m{m}.running_cost", "value"])
    np.testing.assert_allclose(
        table["net_benefit_rmb_m"], table["benefit_rmb_m"] - running * table["adopted"], atol=1e-9
    )
    assert (table["adopted"] <= table["aware"]).all()
    assert (table["aware"] <= table["eligible"]).all()


def test_no_pull_draws_no_entrants_but_referrals_and_referrals_are_their_rate():
    attraction = {f"m{m}.attraction": 0.0 for m in zonesim_measures()}
    table = make_model(months=24, params=attraction, firm_scale=0.5).run().measure_kpis()
    drawn = table[table["month"] >= 1].set_index(["month", "measure", "zone"])["entrants_drawn"]
    referring = drawn.xs("13", level="measure")
    assert (drawn.drop("13", level="measure") == 0).all()
    rate = parameter_table().at["m13.referrals_per_year", "value"] / 12
    live = referring[referring > 0]
    assert len(live) > 0 and np.allclose(live, rate)
    assert set(live.index.get_level_values("zone")) <= set(Policy.plan_2024().measures["13"].zones)


def zonesim_measures() -> list[str]:
    import zonesim

    return list(zonesim.measures().index)


@pytest.mark.parametrize("measure", ["2b", "10a"])
def test_a_stronger_pull_draws_more_entrants_in_the_first_month(measure):
    """In the month a measure starts, the firms are the same whatever its pull (the pull
    acts on that month's entrants, after it is counted), so a stronger pull draws more,
    zone by zone."""
    start = Policy.plan_2024().measures[measure].start_month
    name = f"m{measure}.attraction"
    weak, strong = (
        make_model(months=start, params={name: value}, firm_scale=0.5).run().measure_kpis()
        for value in (parameter_table().at[name, "value"], 2 * parameter_table().at[name, "value"])
    )

    def first(table):
        rows = table[(table["measure"] == measure) & (table["month"] == start)]
        return rows.set_index("zone")["entrants_drawn"]

    live = first(weak) > 0
    assert live.any()
    assert (first(strong)[live] > first(weak)[live]).all()
    assert (first(strong)[~live] == 0).all()


def _choice(seed=0, zones=6, sectors=4):
    rng = np.random.default_rng(seed)
    expected = rng.uniform(5, 50, (zones, sectors))
    prm = {
        "entry.nest_lambda": 0.7,
        "entry.beta_agglomeration": 0.3,
        "entry.zone_share": 0.4,
        "entry.beta_rent": -1.0,
        "entry.beta_policy": 1.0,
        "entry.beta_space": 1.0,
    }
    choice = LocationChoice(prm, expected, np.rint(expected), np.ones(zones))
    v = rng.normal(0, 1, (zones, sectors))
    return choice, v


def _chance(choice, v):
    p_in, p_zone = choice.entry_probabilities(v)
    return p_in * p_zone


def test_one_zones_own_gain_is_the_whole_change_in_its_chance():
    choice, v = _choice()
    gain = np.zeros_like(v)
    gain[2] = [0.3, 0.0, 1.2, 0.05]
    own = choice.own_gain_entry(v, gain)
    change = _chance(choice, v) - _chance(choice, v - gain)
    np.testing.assert_allclose(own[2], change[2], rtol=1e-12, atol=1e-15)
    others = [0, 1, 3, 4, 5]
    assert (own[others] == 0).all()  # no gain of their own: nothing drawn
    assert (change[others][:, gain[2] > 0] < 0).all()  # they lose entrants to zone 2


def test_own_gains_of_several_zones_are_positive_and_between_first_and_last():
    choice, v = _choice(seed=1)
    gain = np.abs(np.random.default_rng(2).normal(0, 0.5, v.shape))
    gain[4] = 0
    own = choice.own_gain_entry(v, gain)
    single = []
    for j in range(v.shape[0]):
        alone = np.zeros_like(v)
        alone[j] = gain[j]
        first = _chance(choice, v - gain + alone) - _chance(choice, v - gain)
        last = _chance(choice, v) - _chance(choice, v - alone)
        single.append(((first + last) / 2)[j])
    np.testing.assert_allclose(own, np.array(single), rtol=1e-10, atol=1e-15)
    assert (own[gain > 0] > 0).all() and (own[4] == 0).all()


def test_measure_kpis_columns_and_types():
    model = make_model(months=3, firm_scale=0.25)
    start = model.measure_kpis()  # month 0 alone, before any step
    assert (start["month"] == 0).all() and (start["entrants_drawn"] == 0).all()
    table = model.run().measure_kpis()
    assert list(table.columns) == ["month", "date", "measure", "zone", *MEASURE_KPIS]
    assert table[["eligible", "aware", "adopted"]].dtypes.eq("int64").all()
    assert pd.api.types.is_float_dtype(table["entrants_drawn"])


def test_entrants_drawn_for_all_months_equal_those_worked_out_month_by_month():
    """Each month's noted utilities, pull and measures live, worked through the nested logit
    zone by zone with the plain choice probabilities (no shortcut), give the same table."""
    model = make_model(months=30, firm_scale=0.5)
    people, noted = model.demography, {}
    note = people.note_entry

    def spy(v, pull, share):
        noted[model.month] = (v, pull, share.copy(), model.live.copy())
        note(v, pull, share)

    people.note_entry = spy
    table = model.run().measure_kpis()
    book, choice = model.measures, people.location
    beta = model.prm["entry.beta_policy"]
    expected = np.zeros((31, len(book), len(model.zone_ids)))
    for month, (v, pull, share, live) in noted.items():
        before = v - beta * pull
        for z in range(len(model.zone_ids)):
            alone = np.zeros_like(v)
            alone[z] = beta * pull[z]
            first = _chance(choice, before + alone)[z] - _chance(choice, before)[z]
            last = _chance(choice, v)[z] - _chance(choice, v - alone)[z]
            own = people.potential_entrants * (first + last) / 2  # per sector
            for k in range(len(book)):
                part = live[k, z] * book.pull[k] * share[z, :, k]  # per sector
                with np.errstate(invalid="ignore", divide="ignore"):
                    expected[month, k, z] += np.nansum(
                        np.where(pull[z] > 0, part / pull[z], 0) * own
                    )
        for k, rate, *_ in people.referrals:
            expected[month, k] += rate * live[k]
    recorded = (
        table.pivot_table(
            index="month", columns=["measure", "zone"], values="entrants_drawn", sort=False
        )
        .to_numpy()
        .reshape(expected.shape)
    )
    assert expected.sum() > 1
    np.testing.assert_allclose(recorded, expected, rtol=1e-9, atol=1e-12)
