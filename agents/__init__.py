"""The agents: Enterprise (one per firm) and Developer (one per zone)."""

from .developer import Developer
from .enterprise import Enterprise
from .population import FirmTable

__all__ = ["Developer", "Enterprise", "FirmTable"]
