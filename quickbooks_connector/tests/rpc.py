"""Calling Odoo as any web client does: ``/web/dataset/call_kw`` as the user the test logged in."""

import json

CALL_KW = "/web/dataset/call_kw"


def call_kw(case, model, method, args, kwargs=None, context=None):
    """``(result, error name, error message)`` of one call (error name: ``AccessError``..., or None).

    Never a server error: a 500 fails ``case``."""
    kwargs = dict(kwargs or {})
    if context is not None:
        kwargs["context"] = context
    response = case.url_open(
        f"{CALL_KW}/{model}.{method}",
        data=json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
            }
        ),
        headers={"Content-Type": "application/json"},
    )
    case.assertNotEqual(response.status_code, 500, f"{model}.{method}: {response.text[:500]}")
    body = response.json()
    if "error" in body:
        data = body["error"].get("data") or {}
        return None, str(data.get("name", "")).rsplit(".", 1)[-1], data.get("message", "")
    return body.get("result"), None, None


def rebind_jobs(case, trap):
    """Jobs a web request queued (trapped by ``trap_jobs``) on the test's cursor, each as its user, so that
    the test can run them as the job runner would (the request's cursor is closed)."""
    for job in trap.enqueued_jobs:
        env = job.recordset.env
        job.recordset = job.recordset.with_env(case.env(user=env.uid, su=env.su))
