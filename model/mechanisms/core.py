"""What the mechanisms share: the :class:`Effect` a measure has on a firm, the
:class:`Assessment` that holds every measure's effects for the model, the :class:`Context` of
the month, and the trade-time response."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..parameters import Parameters

Array = np.ndarray | float


@dataclass
class Effect:
    """What adopting a measure does for a firm.

    Attributes
    ----------
    benefit : annual benefit, RMB million/yr (profit-equivalent; what adoption is judged on)
    sales : extra sales of a new line of business, RMB million/yr (added to revenue)
    imports, exports : extra imports and exports that line brings, RMB million/yr
    days : customs clearance days saved per shipment (trade responds)
    credit : extra credit limit, RMB million
    fixed_cost : one-off cost beyond the measure's fixed cost, RMB million (size-dependent costs)
    floor_share : extra floor the firm holds in the zone, as a share of its floor

    A channel left out (None) is zero.
    """

    benefit: Array | None = None
    sales: Array | None = None
    imports: Array | None = None
    exports: Array | None = None
    days: Array | None = None
    credit: Array | None = None
    fixed_cost: Array | None = None
    floor_share: Array | None = None


FIELDS = tuple(Effect.__dataclass_fields__)


class Assessment:
    """Every measure's :class:`Effect` for every firm, as the model reads them: whole matrices,
    values at given (firm, measure) pairs, or totals over the measures a firm has adopted.
    Channels a measure leaves out are skipped.

    Parameters
    ----------
    effects : one Effect per measure (K), each field a scalar or an array over the n firms
    n_firms : n
    """

    def __init__(self, effects: list[Effect], n_firms: int):
        self.n_firms, self.n_measures = n_firms, len(effects)
        self._nonzero = {name: [] for name in FIELDS}
        for k, effect in enumerate(effects):
            for name, value in effect.__dict__.items():
                if value is not None:
                    self._nonzero[name].append((k, value))

    def matrix(self, field: str, dtype=np.float32) -> np.ndarray:
        """One field for every firm and measure (n x K; filled measure by measure, so stored
        measure-major and returned transposed)."""
        matrix = np.zeros((self.n_measures, self.n_firms), dtype=dtype)
        for k, value in self._nonzero[field]:
            matrix[k] = value
        return matrix.T

    def channel(self, field: str) -> list[tuple[int, np.ndarray | float]]:
        """The measures that have ``field`` (their index k) with its value for every firm (an
        array over the firms, or one number for all)."""
        return self._nonzero[field]

    def at(self, field: str, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """One field at the pairs (firm ``rows[j]``, measure ``cols[j]``)."""
        out = np.zeros(len(rows))
        for k, value in self._nonzero[field]:
            pick = (cols == k).nonzero()[0]  # np.flatnonzero's wrappers cost more here
            out[pick] = value[rows[pick]] if isinstance(value, np.ndarray) else value
        return out

    def totals(self, fields: tuple[str, ...], rows: np.ndarray, cols: np.ndarray):
        """Per firm, the sum of each field over the pairs given (e.g. its adopted measures):
        one array of n per field."""
        order = np.argsort(cols, kind="stable")  # each measure's pairs become one slice
        rows = rows[order]
        ends = np.cumsum(np.bincount(cols, minlength=self.n_measures)).tolist()
        starts = [0, *ends[:-1]]
        sums = []
        for field in fields:
            values = np.zeros(len(rows))
            for k, value in self._nonzero[field]:
                at = slice(starts[k], ends[k])
                values[at] = value[rows[at]] if isinstance(value, np.ndarray) else value
            sums.append(np.bincount(rows, weights=values, minlength=self.n_firms))
        return sums


class Context:
    """What mechanisms read besides the firms: parameters, zone rents per firm, and the profit
    terms that several mechanisms share (computed once). ``tau_by_sector`` is the trade
    semi-elasticity of each sector (it depends on the sector's perishable share only)."""

    def __init__(self, prm: Parameters, rent_per_firm: np.ndarray, firms, tau_by_sector):
        self.prm = prm
        self.rent = rent_per_firm  # RMB/m²/day
        self.sector = firms.sector
        self.tau_by_sector = tau_by_sector  # 1/day
        self.days_per_year = prm["time.days_per_year"]
        self.loan_rate = prm["finance.loan_rate"]
        self.operating_profit = firms.margin * firms.revenue  # RMB m/yr
        self.trade_profit = self.operating_profit * firms.trade_share  # the part trade time moves


def trade_share(f) -> np.ndarray:
    """Share of a firm's revenue exposed to trade time (capped at 1)."""
    return np.minimum(f.import_int + f.export_int, 1.0)


def trade_semi_elasticity(f, prm: Parameters) -> np.ndarray:
    """Trade response per day of time saved: general goods plus the perishable premium."""
    return prm["trade.tau_general"] + prm["trade.tau_perishable_extra"] * f.perishable_share


def time_gain(f, days: Array, ctx: Context) -> np.ndarray:
    """Annual profit from the extra trade that ``days`` less waiting brings."""
    # e^(tau d) - 1 per sector, then per firm: one value per sector instead of per firm
    return ctx.trade_profit * np.expm1(ctx.tau_by_sector * days)[ctx.sector]


def floor_rent_per_year(floor: Array, rent: Array, ctx: Context) -> Array:
    """Annual rent, RMB million, for ``floor`` m² at ``rent`` RMB/m²/day."""
    return floor * (rent * (ctx.days_per_year / 1e6))


def measure_params(prm: Parameters, measure_id: str) -> Callable[[str], float]:
    """``m(name)`` -> value of parameter ``m<id>.<name>``."""
    return prm.section(f"m{measure_id}").__getitem__
