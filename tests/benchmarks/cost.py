"""What a synced document costs the machine: CPU seconds by process, and SQL statements by job.

``ProcessCost`` reads ``/proc`` before and after a drain and splits the CPU time spent by who spent it:

- Odoo's HTTP workers (they run the jobs: queue_job starts each through HTTP), its job runner, its cron worker
  (each known by the line "Worker WorkerHTTP (pid) alive" Odoo logs when it starts one), and the main process
  (which also inherits the time of workers that ended, recycled by Odoo's limits, once it reaps them);
- PostgreSQL: the backends serving the benchmark's database (their title names it), so that another
  database's work on the same server does not count; a backend that ends during the drain is lost to the
  figure (Odoo keeps its connections open, so few do), and the server's own background processes (WAL
  writer, checkpointer) are left out;
- the emulator, which stands in for Intuit: its CPU is not the product's, but it shares the machine in every
  figure, so it is reported apart;
- the benchmark's own driver (this process: its RPC polling of the ledger).

A process's time counts with its ended children's (``cutime``/``cstime``), so a backend or a worker that
ends during the drain is not lost: its time moves to its parent.

``job_statements`` reads the Odoo log: werkzeug's line of each ``/queue_job/runjob`` request ends with the
number of SQL statements the request ran and the seconds spent in them (Odoo's own counters).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
ODOO_ROLES = {"WorkerHTTP": "odoo_workers", "WorkerJobRunner": "job_runner", "WorkerCron": "cron"}
WORKER_STARTED = re.compile(r"Worker (\w+) \((\d+)\) alive")
PARTS = ("odoo_workers", "job_runner", "cron", "odoo_main", "postgresql", "emulator", "driver")
#: Odoo's werkzeug line: "... "POST /queue_job/runjob?db=... HTTP/1.1" 200 - 41 0.016 0.092"
RUNJOB_LINE = re.compile(r'"\w+ /queue_job/runjob\S* HTTP/[\d.]+" (\d{3}) - (\d+) ([\d.]+) ([\d.]+)')


@dataclass
class Proc:
    pid: int
    ppid: int
    comm: str
    cmdline: str
    ticks: int  # utime + stime + cutime + cstime


def _processes() -> dict[int, Proc]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # ended meanwhile
            continue
        head, _, rest = stat.rpartition(")")
        fields_after = rest.split()
        # fields after the command: state ppid ... utime(12th) stime cutime cstime
        ticks = sum(int(value) for value in fields_after[11:15])
        found[int(entry.name)] = Proc(int(entry.name), int(fields_after[1]), head.partition("(")[2], cmdline, ticks)
    return found


def _descendants(processes: dict[int, Proc], roots: set[int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for proc in processes.values():
        children.setdefault(proc.ppid, []).append(proc.pid)
    seen, stack = set(), [pid for pid in roots if pid in processes]
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stack.extend(children.get(pid, ()))
    return seen


@dataclass
class ProcessCost:
    """CPU seconds by part between ``start()`` and ``stop()``; ``odoo_pids`` are the Odoo servers' main
    processes, ``odoo_logs`` their logs (which worker is which), ``emulator_pids`` the emulator's, ``database``
    the one PostgreSQL serves them from."""

    odoo_pids: list[int]
    odoo_logs: list[Path]
    emulator_pids: list[int]
    database: str
    first: dict[str, int] = field(default_factory=dict)

    def _roles(self) -> dict[int, str]:
        roles = {}
        for path in self.odoo_logs:
            with open(path, encoding="utf-8", errors="replace") as log:
                for line in log:
                    if "alive" in line:
                        match = WORKER_STARTED.search(line)
                        if match:
                            roles[int(match.group(2))] = ODOO_ROLES.get(match.group(1), "odoo_main")
        return roles

    def _sample(self) -> dict[str, int]:
        processes = _processes()
        roles = self._roles()
        totals = dict.fromkeys(PARTS, 0)
        for pid in _descendants(processes, set(self.odoo_pids)):
            totals[roles.get(pid, "odoo_main")] += processes[pid].ticks
        backend_title = f" {self.database} "
        for proc in processes.values():
            if proc.comm == "postgres" and backend_title in proc.cmdline:
                totals["postgresql"] += proc.ticks
        for pid in _descendants(processes, set(self.emulator_pids)):
            totals["emulator"] += processes[pid].ticks
        if os.getpid() in processes:
            totals["driver"] += processes[os.getpid()].ticks
        return totals

    def start(self) -> None:
        self.first = self._sample()

    def stop(self) -> dict[str, float]:
        """CPU seconds spent by each part since ``start()``."""
        last = self._sample()
        return {part: round((last[part] - self.first.get(part, 0)) / CLOCK_TICKS, 2) for part in PARTS}


def odoo_cpu(seconds: dict[str, float]) -> float:
    """Odoo's own CPU: its processes and PostgreSQL (the emulator and the driver excluded)."""
    return round(sum(seconds[part] for part in ("odoo_workers", "job_runner", "cron", "odoo_main", "postgresql")), 2)


def job_statements(log_path: Path, offset: int = 0) -> dict[str, float]:
    """Jobs run (``/queue_job/runjob`` requests) in the Odoo log after ``offset``, their SQL statements and the
    seconds spent in them."""
    jobs = statements = 0
    sql_seconds = 0.0
    with open(log_path, encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        for line in log:
            match = RUNJOB_LINE.search(line)
            if match:
                jobs += 1
                statements += int(match.group(2))
                sql_seconds += float(match.group(3))
    return {"jobs": jobs, "statements": statements, "sql_seconds": round(sql_seconds, 2)}


def log_size(log_path: Path) -> int:
    try:
        return log_path.stat().st_size
    except OSError:
        return 0
