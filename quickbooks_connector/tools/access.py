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
