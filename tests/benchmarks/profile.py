"""Where a backfill's CPU goes: a sampling profile of the Odoo server while it pushes a backlog.

    python -m tests.benchmarks.profile --invoices 300 [--out profile.txt]

Makes a backlog as the backfill benchmark does (posted invoices of new customers, the connection's push
switches off), then samples every process of the Odoo server (its HTTP workers run the push jobs) with
py-spy (pinned in ``requirements-dev.txt``: found on ``PATH``, next to this Python, or in the test
command's ``.venv-tests``) from the bulk wizard to the drained backlog, 100 times a second, running
threads only.  It prints the functions with the most samples in them (inclusive: the function and
what it calls) among the connector's own code and among everything (how a request reaches the code left
out), and the most samples spent in a function itself (self), each as a share of all samples.
``--raw FILE`` keeps py-spy's collapsed stacks.
Exit status 0 when it ran, 2 when it could not run (no py-spy, or py-spy not allowed to read the processes).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from .backfill import Drain, prepare, push_with_wizard
from .harness import REPO_ROOT, Report, Stack, add_common_arguments, say

#: A frame of py-spy's raw (collapsed) output: "function (path/to/file.py:123)".
FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^():]+)(?::\d+)?\)$")
ADDON_DIR = "quickbooks_connector/"
#: How a request reaches the code (threads, the prefork worker, werkzeug, Odoo's dispatch, queue_job's run of
#: a job), as py-spy names the files (from the package on): in nearly every stack, so left out of the lists.
SERVING = (
    "threading.py",
    "socketserver.py",
    "http/server.py",
    "werkzeug/",
    "service/server.py",
    "service/model.py",
    "http.py",
    "base/models/ir_http.py",
    "queue_job/controllers/main.py",
    "queue_job/job.py",
)


def py_spy() -> str | None:
    candidates = [
        shutil.which("py-spy"),
        str(Path(sys.executable).parent / "py-spy"),
        str(Path(os.environ.get("QBO_TEST_VENV", REPO_ROOT / ".venv-tests")) / "bin" / "py-spy"),
    ]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


def _short(path: str) -> str:
    """A file as a reader finds it: from the addon or Odoo's package on (``odoo/orm/models.py``)."""
    for marker in ("quickbooks_connector/", "odoo/addons/", "odoo/", "site-packages/"):
        index = path.find(marker)
        if index >= 0:
            return path[index + (len("site-packages/") if marker == "site-packages/" else 0) :]
    return path


def collapse(raw_path: Path) -> tuple[int, Counter, Counter]:
    """(samples, inclusive samples by function, self samples by function) of py-spy's raw output."""
    total = 0
    inclusive: Counter = Counter()
    own: Counter = Counter()
    with open(raw_path, encoding="utf-8", errors="replace") as raw:
        for line in raw:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            samples = int(count)
            frames = []
            for part in stack.split(";"):
                match = FRAME.match(part)
                if match:  # process and thread headers are not frames
                    frames.append(f"{match['function']} ({_short(match['file'])})")
            if not frames:
                continue
            total += samples
            for frame in set(frames):
                inclusive[frame] += samples
            own[frames[-1]] += samples
    return total, inclusive, own


def top(counter: Counter, total: int, count: int, only: str | None = None) -> list[tuple[str, float]]:
    rows = [
        (frame, samples)
        for frame, samples in counter.most_common()
        if (not only or only in frame) and not frame.rpartition(" (")[2].startswith(SERVING)
    ]
    return [(frame, round(100 * samples / max(total, 1), 1)) for frame, samples in rows[:count]]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--top", type=int, default=15, help="rows of each list (default 15)")
    parser.add_argument("--raw", help="keep py-spy's collapsed stacks in this file")
    parser.add_argument("--out", help="also write the lists to this text file")
    add_common_arguments(parser)
    options = parser.parse_args(argv)
    spy = py_spy()
    if not spy:
        print("py-spy not found: pip install -r requirements-dev.txt (it pins it)", file=sys.stderr)
        return 2
    customers = max(1, options.invoices // 10)
    report = Report("profile", {"invoices": options.invoices, "customers": customers, "workers": options.workers})

    def body() -> None:
        with Stack("profile", workers=options.workers, channels=options.channels, keep=options.keep) as stack:
            move_ids = prepare(stack, options.invoices, customers)
            raw_path = Path(options.raw) if options.raw else stack.workdir / "profile.raw"
            command = [
                spy,
                "record",
                "--pid",
                str(stack.nodes[0].process.pid),
                "--subprocesses",
                "--rate",
                "100",
                "--nonblocking",
                "--format",
                "raw",
                "--output",
                str(raw_path),
            ]
            sampler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            drain = Drain(stack, move_ids)
            push_with_wizard(stack)
            drain.run(180 + 0.5 * options.invoices)
            stack.wait_drained([], timeout=300)
            sampler.send_signal(signal.SIGINT)  # py-spy writes its output when interrupted
            _out, errors = sampler.communicate(timeout=120)
            if not raw_path.exists():
                raise RuntimeError(f"py-spy wrote no profile: {errors.decode(errors='replace')[-500:]}")
            total, inclusive, own = collapse(raw_path)
            lists = {
                "connector_inclusive": top(inclusive, total, options.top, ADDON_DIR),
                "all_inclusive": top(inclusive, total, options.top),
                "self": top(own, total, options.top),
            }
            print(f"\n== profile: {options.invoices} invoices, {total} samples of running threads", flush=True)
            report.figure("samples", total)
            report.figure("drain_seconds", round(drain.seconds, 1), "s")
            lines = []
            for name, rows in lists.items():
                lines.append(f"\n{name} (% of samples):")
                lines.extend(f"  {share:5.1f}  {frame}" for frame, share in rows)
                report.data[name] = rows
            text = "\n".join(lines)
            print(text, flush=True)
            if options.out:
                Path(options.out).write_text(text + "\n", encoding="utf-8")
            say(f"py-spy's stacks: {raw_path}" if options.raw or options.keep else "")

    return report.run(body, options.json)


if __name__ == "__main__":
    sys.exit(main())
