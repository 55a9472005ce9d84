"""Panel views of an `igviz.Assessment`: each a small `pn.viewable.Viewer` that works served or inline."""

from .detail import ProposalDetail
from .institutions import InstitutionMapView
from .matrix import ScoreMatrix
from .radar import RadarView, radar_chart
from .ranking import RankingView
from .tradeoff import TradeoffView
from .robustness import AcceptabilityView, SensitivityView
from .weights import WeightsPanel

__all__ = ["AcceptabilityView", "InstitutionMapView", "TradeoffView", "ProposalDetail", "RadarView", "RankingView", "ScoreMatrix", "SensitivityView", "WeightsPanel",
           "radar_chart"]
