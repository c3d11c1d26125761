"""Speed-ups for one ``omsecrets`` process; none changes an output (``benchmarks/cli.py`` checks that).

``OMSECRETS_FAST=0`` turns them all off. They apply to the command-line process only (``cli.run``),
never to a library caller or the tests:

- no cyclic garbage collection during the command: a preview allocates Pulumi's object graph once
  and exits, and collections over that growing graph made large previews super-linear;
- Pulumi's per-resource stack capture (``traceback.extract_stack`` for every resource, sent to the
  engine as a source position that the offline engine never reads) is skipped, and so are the alias
  URNs every resource computes for engines without alias specs (the offline engine has them);
- the process ends with ``os._exit`` after flushing, skipping interpreter teardown of the module graph;
- ``check`` previews many stacks in forked workers when a CPU is idle (``workers``; ``--jobs`` to choose).
"""

from __future__ import annotations

import os
import sys
from typing import Optional

ENV = "OMSECRETS_FAST"
_active = False  # set by start(): this process is the command line


def enabled() -> bool:
    return _active and os.environ.get(ENV, "1") != "0"


def start() -> None:
    """At the start of the command: stop cyclic GC (reference counting still frees most objects)."""
    global _active
    _active = True
    if enabled():
        import gc

        gc.disable()


def lighten_previews() -> None:
    """Before a preview: skip the work of Pulumi's whose results the offline engine never reads."""
    if not enabled():
        return
    from omsecrets.engine import _pulumi

    _pulumi.skip_stack_capture()
    _pulumi.skip_alias_urns()


#: Remaining stacks from which ``check`` previews in two processes by default. Measured on 2 CPUs
#: (README, Performance): the fork's copy-on-write faults cost ~0.1-0.15 s CPU whatever the work, so
#: 5 stacks saved ~10% wall for ~8% more CPU, 11 saved ~24% for ~2%, 23 saved ~30%.
FORK_MIN_JOBS = 8


def workers(jobs: int, requested: Optional[int] = None) -> int:
    """Processes to preview ``jobs`` stacks in: ``requested`` (``check --jobs``), else 2 when there are
    at least ``FORK_MIN_JOBS``, more than one CPU and one of them idle now (``runnable``); never more
    than ``jobs``, and 1 when the speed-ups are off or the platform cannot fork."""
    if not enabled() or not hasattr(os, "fork") or jobs < 2:
        return 1
    if requested is not None:
        return max(1, min(requested, jobs))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 if jobs >= FORK_MIN_JOBS and cpus > 1 and runnable() < cpus else 1


def runnable() -> float:
    """Processes running or ready to run now, this one included (Linux ``/proc/loadavg``; elsewhere
    the 1-minute load average, which lags)."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return float(f.read().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return os.getloadavg()[0]


def split_fork(jobs: list, run, processes: int = 2) -> list:
    """``[run(job) for job in jobs]`` in ``processes`` processes: the jobs cut into that many runs of
    consecutive jobs, all but the first computed by forked children (results pickled back through a
    pipe); if a child fails, this process runs its jobs too. Same results, same order."""
    import pickle

    size, extra = divmod(len(jobs), processes)
    cuts = [i * size + min(i, extra) for i in range(processes + 1)]
    parts = [jobs[cuts[i]:cuts[i + 1]] for i in range(processes)]
    children = []
    for part in parts[1:]:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns
            os.close(read_end)
            try:
                data = pickle.dumps([run(job) for job in part])
            except BaseException:  # noqa: BLE001 the parent redoes the work
                data = b""
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            os._exit(0)
        os.close(write_end)
        children.append((pid, read_end, part))
    results = [run(job) for job in parts[0]]
    for pid, read_end, part in children:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
        try:
            results += pickle.loads(data)
        except Exception:  # noqa: BLE001 an empty or broken answer: do it here
            results += [run(job) for job in part]
    return results


def exit(code: int) -> None:
    """End the process with ``code``: flush, then skip interpreter teardown when fast."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    if enabled():
        os._exit(code)
    raise SystemExit(code)
