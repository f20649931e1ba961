"""The connector's internal context switches, which no client can set.

An RPC caller chooses the whole context of its call (``/web/dataset/call_kw``, ``/json/2``, XML-RPC):
a switch read as ``env.context.get("quickbooks_pulled")`` would let a billing user cancel a payment
"as QuickBooks did" and QuickBooks would never be told.  A switch is therefore honoured only when its
value is a :class:`Switch`, an object that this code creates and that no JSON (or XML-RPC) value can
be: whatever a client sends under the same key is ignored.  Nothing needs to be stripped at the door,
and every way in (a controller, a server action, a sudo() flow that keeps the caller's context) is
covered alike.

The switches (their keys are also listed in README.md, "Security"):

* ``quickbooks_pulled``: what is being done applies a payment recorded in QuickBooks (the Odoo payment,
  its reconciliations, their undoing): it is not sent back to QuickBooks.
* ``quickbooks_reconcile_caps``: ``{account.move.line id: amount}``, the most a reconciliation may take
  from each line, as QuickBooks applied it.
* ``quickbooks_bulk_lane``: on a connection, its requests are a backfill's (the rate governor's bulk lane).
* ``quickbooks_yield_to_users``: on a connection in the bulk lane, a request that must wait gives its job
  slot back when users' work waits for one.
"""

PULLED = "quickbooks_pulled"
RECONCILE_CAPS = "quickbooks_reconcile_caps"
BULK_LANE = "quickbooks_bulk_lane"
YIELD_TO_USERS = "quickbooks_yield_to_users"


class Switch:
    """The value of an internal switch in a context: only this code makes one."""

    __slots__ = ("value",)

    def __init__(self, value=True):
        self.value = value

    def __repr__(self):
        return f"<QuickBooks switch {self.value!r}>"


#: The one value of an on/off switch (equal contexts reuse their environment).
ON = Switch(True)


def switched_on(records, *keys, **values):
    """``records`` with the switches ``keys`` on, and those of ``values`` set to the value given."""
    context = dict.fromkeys(keys, ON)
    context.update({key: Switch(value) for key, value in values.items()})
    return records.with_context(**context)


def switch(env, key, default=None):
    """The value of switch ``key`` in ``env``'s context, if this code set it; else ``default``."""
    value = env.context.get(key)
    return value.value if isinstance(value, Switch) else default
