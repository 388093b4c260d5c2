"""Write-back (reverse ETL), the dialer's side: what a valid lead or list change is and how the
dialer is asked and answers.

`fields` (documented field rules as data, columnar validation), `guard` (which changes are
destructive, shown as before → after), `requests` (form params, re-send guards, the lead-load
surface), `responses` (SUCCESS/NOTICE/ERROR answers → outcomes, retry delay). Runs — sources,
ledger, sending — are the service's: `dialsync.service.writeback`.
"""
