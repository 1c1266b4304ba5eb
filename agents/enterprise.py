"""The Enterprise agent: one firm in one of the six zones."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from ..model.model import ZoneModel


class Enterprise(mesa.Agent):
    """A firm. Its identity is the Mesa agent (``unique_id``, the ``fid`` column of the firm
    table); its numbers live in ``model.firms`` (a
    :class:`~zonesim.agents.population.FirmTable`), updated for all firms at once by the
    model's monthly step. The properties below read this firm's row, which the table keeps
    in ``row`` (-1 once the firm has left).
    """

    model: ZoneModel

    def __init__(self, model: ZoneModel):
        super().__init__(model)
        self.row = -1  # set by the firm table when the firm takes its place

    @property
    def fid(self) -> int:
        """The firm's id: its agent's unique_id."""
        return self.unique_id

    @property
    def _row(self) -> int:
        if self.row < 0:
            raise KeyError(f"firm {self.unique_id} is not in the model")
        return self.row

    @property
    def zone(self) -> str:
        return self.model.zone_ids[self.model.firms.zone[self._row]]

    @property
    def sector(self) -> str:
        return self.model.sector_ids[self.model.firms.sector[self._row]]

    @property
    def revenue(self) -> float:
        """Annual revenue, RMB million."""
        return float(self.model.firms.revenue[self._row])

    @property
    def employees(self) -> float:
        return float(self.model.firms.employees[self._row])

    @property
    def floor_space(self) -> float:
        """Floor space occupied, m²."""
        return float(self.model.firms.floor[self._row])

    @property
    def imports(self) -> float:
        """Annual imports, RMB million."""
        return float(self.model.firms.imports[self._row])

    @property
    def exports(self) -> float:
        """Annual exports, RMB million."""
        return float(self.model.firms.exports[self._row])

    @property
    def age_months(self) -> int:
        return int(self.model.firms.age[self._row])

    @property
    def in_vertical_space(self) -> bool:
        """Whether the firm occupies new multi-storey ("up the floors") space."""
        return bool(self.model.firms.in_vertical[self._row])

    def measure_states(self) -> dict[str, dict[str, object]]:
        """Per measure: eligible, aware, adopted, and the annual benefit (RMB million)."""
        f, r = self.model.firms, self._row
        return {
            m: {
                "eligible": bool(f.eligible[r, k]),
                "aware": bool(f.aware[r, k]),
                "adopted": bool(f.adopted[r, k]),
                "annual_benefit": float(self.model.benefit[r, k]) if f.adopted[r, k] else 0.0,
            }
            for k, m in enumerate(self.model.measure_ids)
        }

    def __repr__(self) -> str:
        return f"Enterprise(fid={self.fid}, zone={self.zone}, sector={self.sector})"
