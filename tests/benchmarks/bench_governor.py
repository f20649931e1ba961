"""How close does a backlog drain to QBO's rate limit, with no 429 reaching the caller?

Runs the QBO client with its rate governor against the emulator (real HTTP on loopback) under
QBO's documented per-realm budget, scaled in time (500 requests per ``--window`` seconds instead
of per minute) so the figure comes in seconds.  Prints throughput as a share of the limit.

    python -m tests.benchmarks.bench_governor [--requests 2000] [--window 6] [--threads 20]
"""

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "quickbooks_connector"))

from qbo import InMemoryRateLimiter, QBOClient, RateLimits, RetryPolicy
from tests.qbo_emulator import EmulatorServer

REALM = "9130354000000001"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--window", type=float, default=6.0, help="seconds standing for QBO's minute")
    parser.add_argument("--threads", type=int, default=20)
    args = parser.parse_args()

    with EmulatorServer(port=0, realm_id=REALM) as server:
        control = f"{server.url}/_emulator"
        headers = server.control_headers()
        requests.post(
            f"{control}/rate_limits",
            json={"enabled": True, "per_minute": 500, "concurrent": 10, "window_seconds": args.window},
            headers=headers,
            timeout=10,
        )
        token = requests.post(f"{control}/tokens", json={}, headers=headers, timeout=10).json()["access_token"]
        limiter = InMemoryRateLimiter(RateLimits(requests_per_window=500, max_concurrent=10, window=args.window))
        client = QBOClient(REALM, token, base_url=server.url, limiter=limiter, retry=RetryPolicy(max_attempts=1))
        failures = []

        def call(_):
            try:
                client.query("select count(*) from Customer")
            except Exception as error:  # counted and reported
                failures.append(type(error).__name__)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            list(pool.map(call, range(args.requests)))
        elapsed = time.monotonic() - started
        stats = requests.get(f"{control}/rate_limits", headers=headers, timeout=10).json()

    limit_rate = 500 / args.window
    achieved = args.requests / elapsed
    print(f"requests:            {args.requests}")
    print(f"elapsed:             {elapsed:.1f} s (window {args.window:g} s standing for a minute)")
    print(f"throughput:          {achieved:.1f} req/s = {achieved * args.window:.0f} requests per QBO-minute")
    print(f"limit:               {limit_rate:.1f} req/s (500 per window)")
    print(f"utilisation:         {100 * achieved / limit_rate:.1f} % of QBO's limit")
    print(f"429 served by QBO:   {stats['throttled']}")
    print(f"errors at caller:    {len(failures)}")


if __name__ == "__main__":
    main()
