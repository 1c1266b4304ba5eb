"""The firm table's storage: batches move rows without mixing up firms, the table keeps
every firm's numbers through exits and entries, and the pool of potential entrants hands
out each sector's firms in sequence."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from conftest import make_model
from zonesim.agents.batch import Batch, Layout
from zonesim.agents.population import FirmTable
from zonesim.model.entrants import EntrantPool
from zonesim.model.randomness import Dice


def small_batch(n: int) -> Batch:
    ids = np.arange(n)
    layout = Layout(
        {"id": ids, "value": ids * 1.5, "flag": ids % 2 == 0},
        {"matrix": np.zeros((n, 3), dtype=np.float32)},
    )
    matrix = np.repeat(ids[:, None], 3, axis=1).astype(np.float32)
    return Batch.of(
        layout, {"id": ids, "value": ids * 1.5, "flag": ids % 2 == 0}, {"matrix": matrix}
    )


def test_batch_take_put_move_keep_rows_whole():
    batch = small_batch(10)
    taken = batch.take(np.array([7, 2, 9]))
    assert taken["id"].tolist() == [7, 2, 9]
    assert taken["value"].tolist() == [10.5, 3.0, 13.5]
    assert taken["flag"].tolist() == [False, True, False]
    assert taken["matrix"][:, 0].tolist() == [7, 2, 9]
    batch.put(0, taken)
    assert batch["id"][:4].tolist() == [7, 2, 9, 3]
    batch.move(np.array([5]), np.array([9]))
    assert batch["id"][5] == 9 and batch["matrix"][5, 2] == 9 and batch["value"][5] == 13.5
    grown = batch.grown(20, 10)
    assert len(grown) == 20 and grown["id"][:10].tolist() == batch["id"].tolist()


def test_firm_table_keeps_each_firms_numbers_through_exits_and_entries():
    model = make_model(4, months=24, firm_scale=2)
    f = model.firms
    before = {int(fid): (f.sector[r], f.taste[r].copy()) for r, fid in enumerate(f.fid)}
    for _ in range(24):
        model.step()
    f = model.firms
    survivors = [int(fid) for fid in f.fid if int(fid) in before]
    assert 0 < len(survivors) < len(f)  # some left, some entered
    agents = {agent.unique_id: agent for agent in model.enterprises()}
    assert sorted(agents) == sorted(f.fid.tolist())  # one identity: the agent's unique_id
    for fid in survivors:
        row = agents[fid].row  # the table keeps each agent's row as rows move
        assert f.fid[row] == fid and f.agent[row]() is agents[fid]
        assert f.sector[row] == before[fid][0]
        np.testing.assert_array_equal(f.taste[row], before[fid][1])  # drawn once, for life
    assert len(np.unique(f.fid)) == len(f) and len(np.unique(f.slot)) == len(f)


def test_a_firm_that_left_is_nowhere_and_out_of_mesa():
    model = make_model(4, months=24)
    first = list(model.enterprises())
    for _ in range(24):
        model.step()
    gone = [agent for agent in first if agent.row < 0]
    assert gone and not set(gone) & set(model.enterprises())
    with pytest.raises(KeyError, match="not in the model"):
        _ = gone[0].revenue


def counting_pool(size: int):
    """A pool whose potential entrant j of sector s carries id s * 1000 + j."""
    drawn = {}

    def draw(sector, count, rng):
        start = drawn.get(sector, 0)
        drawn[sector] = start + count
        ids = sector * 1000 + start + np.arange(count)
        layout = Layout({"id": ids}, {"m": np.zeros((count, 1))})
        return Batch.of(layout, {"id": ids}, {"m": np.zeros((count, 1))})

    return EntrantPool(draw, lambda index: np.random.default_rng(index), np.full(3, size / 36))


def test_pool_hands_out_each_sectors_entrants_in_sequence():
    pool = counting_pool(64)
    rows = pool.arrive(np.array([2, 0, 2, 2]))
    first = pool.store["id"][rows].tolist()
    assert first == [2000, 0, 2001, 2002]
    rows = pool.arrive(np.array([0, 2]))
    assert pool.store["id"][rows].tolist() == [1, 2003]


def test_pool_starts_a_new_batch_when_arrivals_do_not_fit():
    pool = counting_pool(64)  # batches of 64
    pool.arrive(np.zeros(60, dtype=int))
    rows = pool.arrive(np.zeros(10, dtype=int))  # 4 left: the next batch serves all 10
    assert pool.store["id"][rows].tolist() == list(range(64, 74))
    rows = pool.arrive(np.full(200, 1))  # more than a batch: the sector's batches grow
    ids = pool.store["id"][rows]
    assert len(set(ids.tolist())) == 200 and (ids // 1000 == 1).all()
    rows = pool.arrive(np.array([0]))
    assert pool.store["id"][rows].tolist() == [74]  # other sectors keep their place


class Holder:
    """A stand-in for an agent: an object with a ``row``."""

    def __init__(self, row: int = -1):
        self.row = row


KEPT: list[Holder] = []  # the table refers to its agents weakly: someone must hold them


def holders(ids) -> np.ndarray:
    """Weak references to stand-ins for agents, one per id."""
    made = [Holder() for _ in ids]
    KEPT.extend(made)
    return np.array([weakref.ref(h) for h in made], dtype=object)


def tiny_table(n: int) -> FirmTable:
    ids = np.arange(n)
    columns = {"fid": ids, "cell": np.zeros(n, dtype=int), "value": ids * 1.0}
    columns["agent"] = holders(ids)
    return FirmTable(columns, {"eligible": np.ones((n, 2), dtype=bool)}, n_cells=1)


def entrants(table: FirmTable, m: int):
    fid = int(table.fid.max()) + 1 + np.arange(m)
    columns = {"fid": fid, "cell": np.zeros(m, dtype=int), "value": fid * 1.0}
    columns["agent"] = holders(fid)
    return table.batch(columns, {"eligible": np.ones((m, 2), dtype=bool)})


def test_slots_stay_unique_when_the_top_slot_leaves_before_a_busy_month():
    table = tiny_table(3)
    table.replace(np.array([True, True, False]))  # slot 2 leaves, nobody enters
    table.replace(np.ones(2, dtype=bool), entrants(table, 2))  # one freed slot, one new
    assert sorted(table.slot.tolist()) == [0, 1, 2, 3]
    assert table.value.tolist()[:2] == [0.0, 1.0]
    assert table.eligible_in_cell.tolist() == [[4.0, 4.0]]
    assert [ref().row for ref in table.agent] == [0, 1, 2, 3]  # each holder knows its row


def test_draws_aligned_on_slots_do_not_depend_on_the_table_size():
    dice = Dice(np.random.default_rng(7))
    dice.month = 30
    for draw in (dice.uniform, dice.laplace):
        small = draw("grow", np.array([17, 499]))
        large = draw("grow", np.array([17, 500]))
        assert small[0] == large[0]  # slot 17 reads its own draw
        assert small[1] != large[1]
    shocks = dice.laplace("grow", np.arange(200_000))
    assert abs(shocks.mean()) < 0.01 and abs(shocks.var() - 1) < 0.02
    assert abs(np.mean(np.abs(shocks)) - np.sqrt(0.5)) < 0.01  # Laplace: E|x| = scale


def test_a_model_nobody_holds_is_freed():
    # the firm table's agent column must not tie agents and model into a cycle the
    # collector cannot see (a numpy object array): every model would stay in memory
    model = make_model(4, months=6).run()
    gone = weakref.ref(model)
    del model
    gc.collect()
    assert gone() is None
