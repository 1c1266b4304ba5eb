"""The firm table's storage: batches move rows without mixing up firms, the table keeps
every firm's numbers through exits and entries, and the pool of potential entrants hands
out each sector's firms in sequence."""

from __future__ import annotations

import gc
import weakref
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import make_model
from zonesim.agents.batch import Batch, Layout
from zonesim.agents.population import FirmTable
from zonesim.model.entrants import BATCH_MONTHS, SECTOR_BITS, EntrantPool, entrant_ident
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
    assert len(np.unique(f.fid)) == len(f) and len(np.unique(f.ident)) == len(f)


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
    """A pool whose potential entrant j of sector s carries id s * 1000 + j (made from the
    batch number, which the stream stands for here, and the row within the batch)."""

    def draw(sector, count, stream):
        ids = sector * 1000 + stream.batch * count + np.arange(count)
        columns = {"id": ids, "ident": np.zeros(count, dtype=np.int64)}
        layout = Layout(columns, {"m": np.zeros((count, 1))})
        return Batch.of(layout, columns, {"m": np.zeros((count, 1))})

    def stream(index):
        return SimpleNamespace(batch=index & ((1 << SECTOR_BITS) - 1))

    return EntrantPool(draw, stream, np.full(3, size / BATCH_MONTHS))


def arrived(pool: EntrantPool, sectors: list[int]) -> list[int]:
    """The ids of the potential entrants that arrive for ``sectors``."""
    rows, _ = pool.arrive(np.array(sectors, dtype=int))
    return pool.store["id"][rows].tolist()


def test_pool_hands_out_each_sectors_entrants_in_sequence():
    pool = counting_pool(64)
    sectors = np.array([2, 0, 2, 2])
    rows, ident = pool.arrive(sectors)
    assert pool.store["id"][rows].tolist() == [2000, 0, 2001, 2002]
    assert ident.tolist() == entrant_ident(sectors, np.array([0, 0, 1, 2])).tolist()
    assert arrived(pool, [0, 2]) == [1, 2003]


def test_the_nth_entrant_of_a_sector_is_the_same_however_they_arrive():
    """Arrivals crossing batch boundaries, or more than a batch in one month, skip and redraw
    nobody: the n-th potential entrant is the same firm in any arrival pattern."""
    steady, bursty = counting_pool(64), counting_pool(64)
    one_by_one = [arrived(steady, [0])[0] for _ in range(300)]
    bursts = [arrived(bursty, [0] * n) for n in (60, 10, 200, 30)]
    assert sum(bursts, []) == one_by_one == list(range(300))
    assert arrived(bursty, [1, 1]) == [1000, 1001]  # other sectors keep their place


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
    columns = {"fid": ids, "ident": ids, "cell": np.zeros(n, dtype=int), "value": ids * 1.0}
    columns["agent"] = holders(ids)
    return FirmTable(columns, {"eligible": np.ones((n, 2), dtype=bool)}, n_cells=1)


def entrants(table: FirmTable, m: int):
    fid = int(table.fid.max()) + 1 + np.arange(m)
    columns = {"fid": fid, "ident": fid + 8, "cell": np.zeros(m, dtype=int), "value": fid * 1.0}
    columns["agent"] = holders(fid)
    return table.batch(columns, {"eligible": np.ones((m, 2), dtype=bool)})


def test_the_table_keeps_rows_counts_and_agents_through_exits_and_entries():
    table = tiny_table(3)
    table.replace(np.array([True, True, False]))  # the last firm leaves, nobody enters
    table.replace(np.ones(2, dtype=bool), entrants(table, 2))
    assert table.ident.tolist() == [0, 1, 10, 11]
    assert table.value.tolist()[:2] == [0.0, 1.0]
    assert table.eligible_in_cell.tolist() == [[4.0, 4.0]]
    assert [ref().row for ref in table.agent] == [0, 1, 2, 3]  # each holder knows its row


def test_a_firms_draws_depend_on_its_identity_only():
    dice = Dice(np.random.default_rng(7))
    dice.month = 30
    alone = dice.firm_draws(np.array([17]))
    among = dice.firm_draws(np.array([3, 17, 2**40 + 5]))
    for use in ("review", "place", "exit", "relocate", "grow"):
        assert getattr(alone, use)[0] == getattr(among, use)[1]  # 17 reads its own draws
        assert len(set(getattr(among, use).tolist())) == 3
    assert len({getattr(alone, use)[0] for use in ("review", "place", "exit", "relocate")}) == 4
    for draw in (dice.uniform, dice.exponential, dice.gumbel):
        rows = draw("relocate_choice", np.array([17, 18]), width=6)
        assert rows.shape == (2, 6) and len(set(rows.ravel().tolist())) == 12
        np.testing.assert_array_equal(rows[0], draw("relocate_choice", np.array([17]), 6)[0])
    dice.month = 31
    assert dice.firm_draws(np.array([17])).exit[0] != alone.exit[0]


def test_firm_draws_have_the_distributions_they_claim():
    dice = Dice(np.random.default_rng(8))
    draws = dice.firm_draws(np.arange(200_000))
    u = draws.exit
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.005
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01  # neighbouring identities unrelated
    assert abs(np.corrcoef(u, draws.review)[0, 1]) < 0.01  # nor a firm's uses of its row
    shocks = draws.grow
    assert abs(shocks.mean()) < 0.01 and abs(shocks.var() - 1) < 0.02
    assert abs(np.mean(np.abs(shocks)) - np.sqrt(0.5)) < 0.01  # Laplace: E|x| = scale
    g = dice.gumbel("relocate_choice", np.arange(200_000))
    assert abs(g.mean() - np.euler_gamma) < 0.01 and abs(g.var() - np.pi**2 / 6) < 0.03


def test_a_model_nobody_holds_is_freed():
    # the firm table's agent column must not tie agents and model into a cycle the
    # collector cannot see (a numpy object array): every model would stay in memory
    model = make_model(4, months=6).run()
    gone = weakref.ref(model)
    del model
    gc.collect()
    assert gone() is None
