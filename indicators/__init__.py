"""The harmonised indicator catalogue (``catalogue.yaml``) and pure compute functions.

indicators.compute(indicator_id, level, period=None, **filters)  # tidy frame by geo_code and period
indicators.load_catalogue()                                       # themes and indicators
"""

from indicators.catalogue import Catalogue, CatalogueError, Indicator, UnknownIndicatorError, load_catalogue
from indicators.engine import ImpossibleCombinationError, compute

__all__ = [
    "Catalogue",
    "CatalogueError",
    "ImpossibleCombinationError",
    "Indicator",
    "UnknownIndicatorError",
    "compute",
    "load_catalogue",
]
