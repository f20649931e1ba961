"""A QuickBooks Online emulator: a real HTTP server on loopback that behaves like QBO.

Run it with ``python -m tests.qbo_emulator`` or in-process::

    from tests.qbo_emulator import EmulatorServer

    with EmulatorServer(port=0) as server:
        ...  # talk to server.url over HTTP, as to QuickBooks
"""

from .server import Emulator, EmulatorConfig, EmulatorServer

__all__ = ["Emulator", "EmulatorConfig", "EmulatorServer"]
