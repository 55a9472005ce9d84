"""The pages igviz serves, each built from the views in `igviz.views` on one `Assessment`:
the explorer, the workshop's participant and facilitator pages, the light participant page
(plain HTML forms, a Tornado handler) and the saved report."""

from .explorer import Explorer
from .report import export_tables, write_report

__all__ = ["Explorer", "export_tables", "write_report"]
