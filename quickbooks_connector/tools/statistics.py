"""PostgreSQL's statistics of the tables an import from QuickBooks fills.

PostgreSQL plans each query from what it last measured of a table (``ANALYZE``).  Its autovacuum measures
again once a fifth of a table has changed, on its own schedule, and never when it is turned off; an import
makes tens of thousands of documents within minutes.  Planned for an almost empty journal, the query Odoo
runs for each new document's number (``sequence.mixin._get_last_sequence``) then reads every document of the
year: on a server with autovacuum off, a chunk of 50 documents took 2 s at the start of a 39,200-document
import and 11 s after 17,000, and 1.4 s again once measured.  So each import job measures the tables it
filled when they have changed by more than a fifth (at least ``MIN_CHANGES`` rows) since last measured.
"""

import logging

import psycopg2

from odoo.tools import SQL

_logger = logging.getLogger(__name__)

#: Changes below which a table is not measured again (a small company's import never waits for it).
MIN_CHANGES = 1000
#: The share of a table that may change before it is measured again (autovacuum's default).
SHARE = 0.2


def refresh_statistics(env, tables):
    """``ANALYZE`` each of ``tables`` that changed by more than a fifth (and ``MIN_CHANGES`` rows) since last
    measured; returns the tables measured.  A database user without the right to (not the tables' owner) is
    logged and skipped: the import goes on, only slower."""
    env.flush_all()
    rows = env.execute_query(
        SQL(
            "SELECT relname, n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables WHERE relname IN %s",
            tuple(tables),
        )
    )
    measured = []
    for table, live, changed in rows:
        if changed < max(MIN_CHANGES, SHARE * live):
            continue
        try:
            with env.cr.savepoint():
                env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        except psycopg2.Error as error:
            _logger.info("QuickBooks import: could not measure table %s again: %s", table, error)
            continue
        measured.append(table)
    if measured:
        _logger.info("QuickBooks import: statistics of %s measured again", ", ".join(measured))
    return measured
