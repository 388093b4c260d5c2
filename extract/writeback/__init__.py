"""Write-back (reverse ETL): validated, exactly-once lead and list changes sent to the dialer.

`fields` (documented field rules as data, columnar validation), `requests` (form params),
`responses` (SUCCESS/NOTICE/ERROR answers → outcomes), `sources` (wb_* models, lead inbox),
`engine` (diff against the ledger, send, record). The CLI and Dagster use the three
functions below.
"""

from extract.writeback.engine import Hooks, WritebackReport, load_leads, recent_log, run_writeback
from extract.writeback.sources import LeadMapping

__all__ = ["Hooks", "LeadMapping", "WritebackReport", "load_leads", "recent_log", "run_writeback"]
