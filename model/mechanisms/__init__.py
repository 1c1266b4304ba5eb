"""How each sub-measure pays off for a firm, from the plan's text (docs/ODD.md, measures).

Each mechanism takes the firms (a FirmTable, or anything with the same columns), its
measure's parameters and the month's :class:`Context`, and returns an :class:`Effect` for
every firm as if it had adopted. The model keeps the effects of adopters only.
"""

from __future__ import annotations

from collections.abc import Callable

from .coordination import ciie_spillover, cross_customs_display, yangshan_link
from .core import (
    FIELDS,
    Assessment,
    Context,
    Effect,
    measure_params,
    time_gain,
    trade_semi_elasticity,
    trade_share,
)
from .facilitation import seafood_access, single_window
from .factors import aviation_titles, foreign_talent, higher_far, mixed_use
from .finance import cash_pool, net_settlement, offshore_trade, pledge_finance, service_trade
from .new_business import (
    art_approval,
    bonded_repair,
    classic_cars,
    display_trade,
    ecommerce_cluster,
    meat_processing,
    return_centre,
)

MECHANISMS: dict[str, Callable[..., Effect]] = {
    fn.__name__: fn
    for fn in (
        bonded_repair, return_centre, ecommerce_cluster, meat_processing, display_trade,
        classic_cars, art_approval, pledge_finance, cash_pool, net_settlement, service_trade,
        offshore_trade, single_window, seafood_access, mixed_use, higher_far, foreign_talent,
        aviation_titles, yangshan_link, cross_customs_display, ciie_spillover,
    )
}  # fmt: skip

__all__ = [
    "FIELDS",
    "MECHANISMS",
    "Assessment",
    "Context",
    "Effect",
    "measure_params",
    "time_gain",
    "trade_semi_elasticity",
    "trade_share",
]
