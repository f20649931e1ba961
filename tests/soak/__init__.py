"""The soak: a real Odoo 19 (PostgreSQL, HTTP workers, cron worker, queue_job's runner) and the QBO emulator,
driven hard with faults, killed workers and a server restart, then checked for losses and duplicates.

Run it by hand with ``python -m tests.soak`` (``--help`` for the options; ``--small`` is the size the
project's test command runs, ``--full`` the size for a long run by hand).  Everything it needs is the
standard library and ``requests``; Odoo is reached only over HTTP (JSON-RPC and the connector's own
routes), the emulator over its API and its control API.

Modules:

* :mod:`.plan`: the workload (customers, invoices, credit notes, payments on both sides, edits),
  generated from a seed, pure Python;
* :mod:`.processes`: Odoo and the emulator as child processes (ports, configuration, kills, restart);
* :mod:`.clients`: JSON-RPC to Odoo, the emulator's control API, and the CPA's QuickBooks client;
* :mod:`.checks`: the comparison of both sides, pure Python;
* :mod:`.runner`: the run itself (set up, connect, drive, chaos, drain, check, report).
"""
