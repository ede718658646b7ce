"""Worker processes that analyse batches of documents, each document under a budget.

A document can make the analysis run for minutes or eat gigabytes (a pathological text, a bug in
a library underneath). Run in a worker process, it costs only itself: the worker is stopped and
replaced, the batch it was in is analysed again one document at a time (each alone under its own
budget), and the document that breaks the budget again becomes an IngestError with the reason.

The budget (`Budget`) is CPU time, not wall-clock time, so that a busy machine does not turn good
documents into errors: the worker itself asks the kernel for it (RLIMIT_CPU: SIGXCPU ends the
worker when the batch's allowance is spent). Memory is watched from the parent (resident memory
above what the worker held once its models were loaded, read from /proc where there is one).
A wall-clock backstop, far above the CPU allowance, catches a worker that waits forever.

`Pool.run` takes batches and hands their results back in the order the batches were given, so
the output is the same whatever the number of workers and whichever documents were retried.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .record import Document, IngestError

_Result = tuple[list[Document], list[IngestError]]


@dataclass(frozen=True)
class Budget:
    """What analysing one document may cost. A batch may spend the sum of its documents'
    allowances, less the fixed part for all but one (one batch pays its start-up once).

    CPU seconds: `seconds` + `seconds_per_char` × its length. Measured on the benchmark corpus a
    document costs ~30 µs of CPU per character; the allowance is several times that on top of a
    minute, so only a runaway document reaches it. Memory: `memory_mb` of resident memory above
    the worker's own once its models are loaded (spaCy's parser needs roughly 1 MB per 1,000
    characters it parses at once; texts are parsed in parts of at most 100,000 characters).
    """

    seconds: float = 60.0
    seconds_per_char: float = 2e-4
    memory_mb: int = 3000

    def cpu_seconds(self, docs: list[Document]) -> float:
        return self.seconds + self.seconds_per_char * sum(len(d.text) for d in docs)

    def wall_seconds(self, docs: list[Document]) -> float:
        """The backstop for a worker that waits instead of working (it spends no CPU)."""
        return 10 * self.cpu_seconds(docs) + 300


def _cpu_seconds_used() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _resident_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None  # no /proc (macOS, Windows): memory is not watched


def worker_main(conn, init: Callable[[], None], fatal_errors: tuple) -> None:
    """A worker's life: load the models, then analyse each batch it is sent under its budget."""
    import resource

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU would otherwise dump core
    except (ValueError, OSError):
        pass
    try:
        init()
    except fatal_errors as err:
        conn.send(("fatal", err))
        return
    conn.send(("ready", _resident_bytes(os.getpid())))
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            message = None
        if message is None:
            # the process ends through the interpreter's finalisation (spawn), whose full
            # collections would each walk every reference the models hold (≈0.06 CPU s each,
            # ≈0.25 s in all) while the parent waits for it: freeze them out of those collections
            # (as `cli._exit_after_analysis` does for the command's own process)
            import gc

            gc.freeze()
            return
        task_id, function, docs, cpu_seconds = message
        limit = int(_cpu_seconds_used() + cpu_seconds) + 1
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
        try:
            reply = ("done", function(docs))
        except fatal_errors as err:
            reply = ("fatal", err)
        except MemoryError:
            reply = ("memory", None)
        except Exception as err:  # noqa: BLE001 - reported as this batch's failure
            reply = ("crash", f"{type(err).__name__}: {' '.join(str(err).split())}"[:300])
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
        conn.send((task_id, *reply))


class OverBudget(BaseException):
    """The CPU-time alarm of `analyse_in_process` went off. A BaseException, so that the
    analysis' own `except Exception` (retry one by one, report a failure) does not swallow it."""


def alarm_available() -> bool:
    """Whether this thread can hold an analysis to its CPU time with a signal (`analyse_in_process`):
    only the main thread of a process may set signal handlers, and only where there is setitimer."""
    import threading

    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


_ALARM_REPEAT = 0.1  # CPU seconds between repeats of an alarm that went off


def _under_alarm(function: Callable[[list[Document]], _Result], docs: list[Document],
                 cpu_seconds: float) -> _Result:
    """`function(docs)`, stopped by OverBudget once this process has spent `cpu_seconds` of CPU
    (ITIMER_PROF counts every thread's, like RLIMIT_CPU in a worker)."""

    def alarm(signum, frame):
        raise OverBudget()

    previous = signal.signal(signal.SIGPROF, alarm)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _unraisable_hook(previous_hook)
    # and again every tenth of a CPU second after that: an exception raised while C code calls
    # back into Python (a Cython callback, a finaliser) cannot propagate, it goes to
    # sys.unraisablehook and is dropped, and a one-shot alarm that lands there would let the
    # document run on unbounded
    signal.setitimer(signal.ITIMER_PROF, max(cpu_seconds, 0.001), _ALARM_REPEAT)
    try:
        return function(docs)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        sys.unraisablehook = previous_hook


def _unraisable_hook(previous_hook):
    """While an alarm is armed: our own OverBudget landing where Python cannot raise is no error to
    report (the alarm repeats until it lands where it can), and any other unraisable exception is
    handed on with the alarm paused, so that it cannot go off again inside the hook itself."""

    def hook(unraisable):
        if isinstance(unraisable.exc_value, OverBudget):
            return
        remaining = signal.setitimer(signal.ITIMER_PROF, 0)
        try:
            previous_hook(unraisable)
        finally:
            if remaining[0] > 0:
                signal.setitimer(signal.ITIMER_PROF, *remaining)

    return hook


def time_budget_reason(budget: Budget, docs: list[Document]) -> str:
    chars = sum(len(d.text) for d in docs)
    return f"over its time budget ({budget.cpu_seconds(docs):.0f} s of CPU for {chars:,} characters)"


def stopped_error(doc: Document, reason: str) -> IngestError:
    """What a document that broke its budget becomes, whichever process analysed it."""
    return IngestError(path=doc.source.path or "-", item=doc.source.url or f"id {doc.id}",
                       reason=f"analysis stopped: {reason}; the rest of the batch went on")


def analyse_in_process(function: Callable[[list[Document]], _Result], docs: list[Document],
                       budget: Budget) -> _Result:
    """`function(docs)` in this process, each document held to `budget`'s CPU time as in a worker:
    a batch over its allowance is analysed again one document at a time, and a document over its
    own allowance becomes an IngestError; the rest go on. Used where starting a worker costs more
    than the analysis (one small batch) and inside a Ray actor. The alarm is a signal, so it
    stops Python code (Chronicle's extraction, regular expressions) but not a single call into C
    that never returns, and memory is not watched here: the worker pool (`Pool`) does both.
    Needs the main thread (`alarm_available`)."""
    try:
        return _under_alarm(function, docs, budget.cpu_seconds(docs))
    except OverBudget:
        if len(docs) == 1:
            return [], [stopped_error(docs[0], time_budget_reason(budget, docs))]
    done: list[Document] = []
    errors: list[IngestError] = []
    for doc in docs:
        try:
            part_done, part_errors = _under_alarm(function, [doc], budget.cpu_seconds([doc]))
        except OverBudget:
            part_done, part_errors = [], [stopped_error(doc, time_budget_reason(budget, [doc]))]
        done.extend(part_done)
        errors.extend(part_errors)
    return done, errors


@dataclass
class _Task:
    job: int
    first: int  # index of the task's first document in the job
    docs: list[Document]
    id: int = 0


@dataclass
class _Job:
    docs: list[Document]
    parts: dict[int, _Result] = field(default_factory=dict)  # first index -> result
    pending: int = 1

    def result(self) -> _Result:
        done, errors = [], []
        for first in sorted(self.parts):
            part_done, part_errors = self.parts[first]
            done.extend(part_done)
            errors.extend(part_errors)
        return done, errors


class _Worker:
    def __init__(self, context, init, fatal_errors):
        parent_end, child_end = context.Pipe()
        self.conn = parent_end
        self.process = context.Process(target=worker_main, args=(child_end, init, fatal_errors),
                                       daemon=True)
        self.process.start()
        child_end.close()
        self.baseline: int | None = None  # resident bytes once the models are loaded
        self.ready = False
        self.task: _Task | None = None
        self.started = 0.0
        self.killed_for: str | None = None

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerStartError(RuntimeError):
    """The worker processes cannot start (they die before their models are loaded)."""


class Pool:
    """`size` worker processes analysing batches with `function` under `budget`."""

    POLL_SECONDS = 0.1

    def __init__(self, size: int, init: Callable[[], None], budget: Budget,
                 fatal_errors: tuple = ()):
        import multiprocessing

        # spawn, not fork: the parent may hold DuckDB and onnxruntime threads
        self.context = multiprocessing.get_context("spawn")
        self.size, self.init, self.budget, self.fatal_errors = size, init, budget, fatal_errors
        self.workers: list[_Worker] = []
        self.waiting: deque[_Task] = deque()
        self.jobs: dict[int, _Job] = {}
        self.next_job = 0  # the job whose result is handed back next
        self.job_count = 0
        self.task_count = 0
        self.failed_starts = 0
        self.replaced = 0  # workers stopped over their budget or crashed

    # --- submitting and collecting ---------------------------------------------------------

    def submit(self, function: Callable[[list[Document]], _Result], docs: list[Document]) -> None:
        self.function = function
        job = self.job_count
        self.job_count += 1
        self.jobs[job] = _Job(docs)
        self._queue(_Task(job, 0, docs))

    def in_flight(self) -> int:
        return self.job_count - self.next_job

    def results(self, keep: int = 0) -> Iterator[_Result]:
        """Results of finished jobs in submission order, until at most `keep` are unfinished."""
        while self.in_flight() > keep:
            job = self.jobs.get(self.next_job)
            if job is not None and job.pending == 0:
                del self.jobs[self.next_job]
                self.next_job += 1
                yield job.result()
                continue
            self._step()

    def close(self) -> None:
        for worker in self.workers:
            try:
                if worker.process.is_alive() and worker.task is None:
                    worker.conn.send(None)
            except OSError:
                pass
        for worker in self.workers:
            worker.process.join(2)
            worker.stop()
        self.workers.clear()

    # --- the loop --------------------------------------------------------------------------

    def _queue(self, task: _Task, front: bool = False) -> None:
        task.id = self.task_count
        self.task_count += 1
        if front:
            self.waiting.appendleft(task)
        else:
            self.waiting.append(task)

    def _step(self) -> None:
        from multiprocessing.connection import wait

        self._dispatch()
        busy = [w for w in self.workers if w.task is not None or not w.ready]
        if not busy:
            return
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                     timeout=self.POLL_SECONDS)
        for worker in busy:
            if worker.conn in ready:
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    self._lost(worker)
                    continue
                self._received(worker, message)
            elif worker.process.sentinel in ready:
                self._lost(worker)
        self._watch()

    def _dispatch(self) -> None:
        while self.waiting:
            idle = next((w for w in self.workers if w.task is None), None)
            if idle is None:
                if len(self.workers) >= self.size:
                    return
                idle = _Worker(self.context, self.init, self.fatal_errors)
                self.workers.append(idle)
            task = self.waiting.popleft()
            idle.task, idle.started = task, time.monotonic()
            try:
                idle.conn.send((task.id, self.function, task.docs, self.budget.cpu_seconds(task.docs)))
            except OSError:
                self._lost(idle)

    def _received(self, worker: _Worker, message) -> None:
        if message[0] == "ready":
            worker.ready, worker.baseline = True, message[1]
            self.failed_starts = 0
            return
        if message[0] == "fatal":
            self.close()
            raise message[1]
        _, kind, payload = message
        task, worker.task = worker.task, None
        if kind == "fatal":
            self.close()
            raise payload
        if kind == "done":
            self._finish(task, payload)
        elif kind == "memory":
            self._failed(task, self._memory_reason())
            self._replace(worker)
        else:
            self._failed(task, f"the analysis failed ({payload})")

    def _watch(self) -> None:
        """Stop workers over their memory budget, or past the wall-clock backstop."""
        now = time.monotonic()
        for worker in list(self.workers):
            if worker.task is None or not worker.ready:
                continue
            if now - worker.started > self.budget.wall_seconds(worker.task.docs):
                worker.killed_for = (f"the analysis took over "
                                     f"{self.budget.wall_seconds(worker.task.docs):.0f} s")
            elif worker.baseline is not None:
                resident = _resident_bytes(worker.process.pid)
                if resident is not None and resident - worker.baseline > self.budget.memory_mb << 20:
                    worker.killed_for = self._memory_reason()
            if worker.killed_for:
                worker.process.kill()
                self._lost(worker)

    def _lost(self, worker: _Worker) -> None:
        """The worker died (or was stopped): its task fails, a new worker takes its place."""
        worker.process.join(5)
        task = worker.task
        reason = worker.killed_for or self._death_reason(worker, task)
        self._replace(worker)
        if not worker.ready:
            self.failed_starts += 1
            if self.failed_starts >= 3:
                self.close()
                raise WorkerStartError(
                    f"the analysis workers die while loading the models ({reason}); "
                    "run `make setup` to repair the installation")
            if task is not None:  # not the batch's fault: it was never started
                self.waiting.appendleft(task)
            return
        if task is not None:
            self._failed(task, reason)

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        self.workers.remove(worker)
        self.replaced += 1

    def _death_reason(self, worker: _Worker, task: _Task | None) -> str:
        code = worker.process.exitcode
        if code == -signal.SIGXCPU and task is not None:
            return time_budget_reason(self.budget, task.docs)
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"the analysis crashed its worker ({name})"
        return f"the analysis ended its worker (exit code {code})"

    def _memory_reason(self) -> str:
        return f"over its memory budget ({self.budget.memory_mb:,} MB)"

    def _finish(self, task: _Task, result: _Result) -> None:
        job = self.jobs[task.job]
        job.parts[task.first] = result
        job.pending -= 1

    def _failed(self, task: _Task, reason: str) -> None:
        """A batch that failed is analysed again one document at a time, each under its own
        budget; a document that fails alone is an error."""
        job = self.jobs[task.job]
        if len(task.docs) > 1:
            job.pending += len(task.docs) - 1
            singles = [_Task(task.job, task.first + i, [doc]) for i, doc in enumerate(task.docs)]
            for single in reversed(singles):
                self._queue(single, front=True)
            return
        (doc,) = task.docs
        self._finish(task, ([], [stopped_error(doc, reason)]))  # its worker was replaced
