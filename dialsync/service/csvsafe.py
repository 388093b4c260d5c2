"""The ledger as CSV a spreadsheet can open safely.

Why: ledger cells echo text from lead files and dialer answers; a cell that starts like a
formula runs as one when an operator opens the export (OWASP "CSV injection").
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

#: Spreadsheet formula triggers (OWASP CSV injection): a cell starting with one is prefixed by '.
_FORMULA_START = r"^[=+\-@\t\r]"


def spreadsheet_safe(table: pa.Table) -> pa.Table:
    """Text cells that a spreadsheet would run as a formula (= + - @ tab CR first) get a leading
    apostrophe, per OWASP's CSV injection guidance: ledger messages echo dialer and file text."""
    cols = []
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            risky = pc.fill_null(pc.match_substring_regex(col, _FORMULA_START), False)
            col = pc.if_else(risky, pc.binary_join_element_wise(pa.scalar("'", col.type), col, ""), col)
        cols.append(col)
    return pa.Table.from_arrays(cols, names=table.column_names)


def ledger_csv(table: pa.Table) -> bytes:
    """The ledger as CSV that is safe to open in a spreadsheet (every value quoted, formulas defused)."""
    sink = pa.BufferOutputStream()
    pacsv.write_csv(spreadsheet_safe(table), sink, write_options=pacsv.WriteOptions(quoting_style="all_valid"))
    return sink.getvalue().to_pybytes()
