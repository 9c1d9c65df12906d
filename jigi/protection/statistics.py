"""Statistics that cannot identify anyone: the only module other apps may import.

A facade: the published monthly tables (suppressed, totals rounded) and the breakdowns they
may be asked by, nothing else. The counting and the disclosure control live in the private
``disclosure`` module, which reads the case models and holds the true counts; no other app
imports it (import-linter), and no other app uses a name of this module outside ``__all__``
(``tests/test_seal.py``).
"""

from jigi.protection.disclosure import DIMENSIONS, Table, monthly_table, monthly_tables

__all__ = ["DIMENSIONS", "Table", "monthly_table", "monthly_tables"]
