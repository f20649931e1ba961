"""Who may call what.  Every public method of a model is callable by any logged-in user through RPC
(``/web/dataset/call_button``, ``/json/2``), whatever the views show: these checks come first, before
any ``sudo()``, any read of a secret and any network call."""

from odoo.exceptions import AccessError

from .. import const


def is_manager(env):
    """Whether ``env``'s user is a QuickBooks manager (a superuser environment counts as one)."""
    return env.su or env.user.has_group(const.GROUP_MANAGER)


def check_manager(records, operation="write"):
    """Refuse unless the user is a QuickBooks manager allowed ``operation`` on ``records`` (their company)."""
    env = records.env
    if not is_manager(env):
        raise AccessError(env._("Only QuickBooks managers can do this."))
    records.check_access(operation)


def check_user(records, operation="read"):
    """Refuse unless the user is a QuickBooks user allowed ``operation`` on ``records``."""
    env = records.env
    if not env.su and not env.user.has_group(const.GROUP_USER):
        raise AccessError(env._("Only QuickBooks users can do this."))
    records.check_access(operation)


def check_system(env):
    """Where QuickBooks is (environment, server URL, allowed alert hosts) is a system administrator's call."""
    if not env.su and not env.user.has_group("base.group_system"):
        raise AccessError(env._("Only system administrators can change where Odoo sends QuickBooks credentials."))


#: The module whose fields :func:`check_values` guards on models other than the addon's own.
ADDON = "quickbooks_connector"


def _guarded_fields(records, own_model):
    """Every field of the addon's own models; on Odoo's models, the fields this addon adds (cached per class)."""
    if own_model:
        return records._fields.keys()
    cls = type(records)
    guarded = cls.__dict__.get("_quickbooks_guarded_fields")
    if guarded is None:
        guarded = frozenset(name for name, field in records._fields.items() if field._module == ADDON)
        cls._quickbooks_guarded_fields = guarded
    return guarded


def check_values(records, vals_list, writable=frozenset(), on_create=frozenset(), create=False, own_model=True):
    """Refuse values users may not write, before anything is written: the ORM's own write path (``create``,
    ``write``, ``copy``, an import, an x2many command of another record) is callable by any logged-in user.

    Allowed: the fields in ``writable``, and on ``create`` those in ``on_create`` (chosen once: the
    connection a mapping belongs to).  Every other field is the connector's own (a QuickBooks id, a state,
    a token, what was synchronised) and is written by its code only, through ``sudo()``: a superuser
    environment passes.  On Odoo's models (``own_model=False``) only the fields this addon adds are
    guarded.  A record created with ``default_<field>`` in its context gets that value too: such keys
    count as values.

    :raise AccessError: if a value (or a context default) names a field outside those allowed
    """
    env = records.env
    if env.su:
        return
    names = set()
    for vals in vals_list:
        names.update(vals)
    if create:
        names.update(key[8:] for key in env.context if key.startswith("default_"))
    allowed = writable | on_create if create else writable
    refused = sorted(name for name in names if name not in allowed and name in _guarded_fields(records, own_model))
    if refused:
        raise AccessError(
            env._(
                "Only the QuickBooks connector itself may set %(fields)s on %(model)s.",
                fields=", ".join(refused),
                model=records._description,
            )
        )


def check_backends(env, backend_ids):
    """Refuse unless the user may manage each of these connections (a manager of its company).

    Checked before a record is created on a connection: Odoo checks record rules after the insert, and a
    unique constraint may fire first.

    :raise AccessError: if the user is not a QuickBooks manager of every connection named
    """
    backends = env["quickbooks.backend"].browse(sorted({backend_id for backend_id in backend_ids if backend_id}))
    if backends and not env.su:
        check_manager(backends)
