"""Tokens move from the connection row to quickbooks.backend.token (a refresh no longer updates the
row every sync record and notification refers to); the old columns are dropped once copied."""

from psycopg2 import sql

TOKEN_COLUMNS = (
    "access_token_encrypted",
    "refresh_token_encrypted",
    "access_token_expires_at",
    "refresh_token_expires_at",
    "refresh_token_hard_expires_at",
)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """SELECT column_name FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = 'quickbooks_backend' AND column_name = ANY(%s)""",
        [list(TOKEN_COLUMNS)],
    )
    present = [column for (column,) in cr.fetchall()]
    if not present:
        return
    columns = sql.SQL(", ").join(map(sql.Identifier, present))
    cr.execute(
        sql.SQL(
            """INSERT INTO quickbooks_backend_token (backend_id, {columns})
               SELECT id, {columns} FROM quickbooks_backend b
               WHERE NOT EXISTS (SELECT 1 FROM quickbooks_backend_token t WHERE t.backend_id = b.id)"""
        ).format(columns=columns)
    )
    for column in present:
        cr.execute(sql.SQL("ALTER TABLE quickbooks_backend DROP COLUMN {}").format(sql.Identifier(column)))
