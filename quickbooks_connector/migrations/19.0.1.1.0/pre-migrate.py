"""Payables arrive: connections made before them keep doing what they did (bills not synced) until a
manager turns "Sync vendor bills" on; new connections have it on."""


def migrate(cr, version):
    if not version:
        return
    # Created here, the column is not filled with the field's default (on) by the upgrade.
    cr.execute("ALTER TABLE quickbooks_backend ADD COLUMN IF NOT EXISTS sync_bills boolean")
    cr.execute("UPDATE quickbooks_backend SET sync_bills = FALSE WHERE sync_bills IS NULL")
