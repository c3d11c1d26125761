"""Speed-ups for one ``omsecrets`` process; none changes an output (``benchmarks/cli.py`` checks that).

``OMSECRETS_FAST=0`` turns them all off. They apply to the command-line process only (``cli.run``),
never to a library caller or the tests:

- no cyclic garbage collection during the command: a preview allocates Pulumi's object graph once
  and exits, and collections over that growing graph made large previews super-linear;
- Pulumi's per-resource stack capture (``traceback.extract_stack`` for every resource, sent to the
  engine as a source position that the offline engine never reads) is skipped, and so are the alias
  URNs every resource computes for engines without alias specs (the offline engine has them);
- the process ends with ``os._exit`` after flushing, skipping interpreter teardown of the module graph;
- ``check`` previews several stacks in forked workers when there is more than one CPU.
"""

from __future__ import annotations

import os
import sys

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


def fork_pays(jobs: int) -> bool:
    """Whether to preview ``jobs`` remaining stacks in a forked worker beside this process: only when
    there are at least 2 jobs, more than one CPU, and one of them is idle (1-minute load average)."""
    if not enabled() or jobs < 2 or not hasattr(os, "fork"):
        return False
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cpus > 1 and os.getloadavg()[0] <= cpus - 1


def split_fork(jobs: list, run) -> list:
    """``[run(job) for job in jobs]``, the second half computed by a forked child (results pickled
    back through a pipe); if the child fails, the parent runs its half too. Same results, same order."""
    import pickle

    mine, theirs = jobs[: len(jobs) // 2], jobs[len(jobs) // 2:]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        os.close(read_end)
        try:
            data = pickle.dumps([run(job) for job in theirs])
        except BaseException:  # noqa: BLE001 the parent redoes the work
            data = b""
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        os._exit(0)
    os.close(write_end)
    results = [run(job) for job in mine]
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    try:
        return results + pickle.loads(data)
    except Exception:  # noqa: BLE001 an empty or broken answer: do it here
        return results + [run(job) for job in theirs]


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
