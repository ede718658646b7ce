"""`chronicle ingest --engine ray`: the pipeline spread over a Ray cluster, same records as locally.

The driver (this process)
1. plans the shards (`shards.plan`) and lists the shards folder: shards coded by an earlier run
   are not coded again;
2. starts `workers` Ray actors (`ShardCoder`, one CPU each) that load the models once and code
   shards (`coder.code_shard`), each writing its own Parquet file to the shards folder — a local
   folder, a shared filesystem, or an object-store URI every node can reach; each actor holds at
   most `IN_FLIGHT_PER_WORKER` shards (one coding, one queued), so a lost worker costs the shard
   it was coding, and the queued one goes to another worker;
3. loads finished shards into the store in input order as soon as all shards before them are
   loaded (`load.load_shard`), with the pipeline's own cross-document state — so the store ends up
   with the rows a local run writes.

Failures. A shard whose coding raises (an input changed since planning, an input not visible on
the worker's node) is a *bad shard*: reported, stored as an ingest error, skipped — like an
unreadable input in a local run. A worker that dies (node lost, out of memory, killed) loses the
shard it was coding: it is reported, a replacement worker codes the rest, and loading stops before
the first lost shard, so that documents still enter the store in input order (ids and duplicate
flags depend on it). Re-running the same command codes only the lost shards and loads the rest.
A shard that loses its worker in two runs is treated as bad (see `parquet`).

Test hook: with `CHRONICLE_TEST_KILL_AFTER=N` in the driver's environment, the worker that codes
the N-th shard submitted in the run exits abruptly after writing part of it.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..pipeline import BATCH_SIZE, Admission, RunReport
from ..record import IngestError
from . import ScaleError
from .coder import CodingOptions, code_shard
from .load import load_shard
from .parquet import DamagedShard, ShardFolder, system_memory_pool
from .shards import DEFAULT_SHARD_SIZE, Plan, Shard, code_fingerprint, plan

IN_FLIGHT_PER_WORKER = 2  # one coding, one queued: no idle gap between shards
LOCAL_OBJECT_STORE_BYTES = 256 * 1024 ** 2  # only shard descriptions and summaries travel through it
KILL_HOOK = "CHRONICLE_TEST_KILL_AFTER"
RUNTIME_ENV_VARIABLE = "CHRONICLE_RAY_RUNTIME_ENV"  # JSON runtime_env for ray.init, e.g. {"pip": [...]}
INSTALL_HINT = "pip install 'chronicle[ray]'"


class WorkerSetupError(RuntimeError):
    """A worker that cannot code anything (a model missing, another Chronicle than the driver's)."""


@dataclass
class ShardedRunReport(RunReport):
    shards: int = 0  # distinct shards in the plan
    already_coded: int = 0  # found in the shards folder, coded by an earlier run
    coded: int = 0  # coded in this run
    bad_shards: list[str] = field(default_factory=list)
    lost_shards: list[str] = field(default_factory=list)
    unloaded: int = 0  # coded shards waiting behind a lost one
    workers: int = 0
    cluster: str = ""
    shards_dir: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.bad_shards or self.lost_shards or self.unloaded)

    def describe(self) -> str:
        where = f" on {self.workers} Ray workers ({self.cluster})" if self.workers else ""
        line = (f"shards: {self.shards} planned, {self.already_coded} already coded, "
                f"{self.coded} coded now{where}, {len(self.bad_shards)} bad, "
                f"{len(self.lost_shards)} lost with their worker")
        if self.unloaded:
            line += f", {self.unloaded} coded but waiting to be loaded"
        return f"{line}; shards in {self.shards_dir}"


# --- connecting ----------------------------------------------------------------------------------

def _import_ray():
    try:
        import ray
    except ImportError:
        raise ScaleError(f"the ray engine needs Ray, which is not installed: {INSTALL_HINT}") from None
    return ray


def _check_reachable(address: str) -> None:
    """Fail in seconds, not minutes: Ray waits long for an address nobody answers on."""
    if address in ("auto", "local"):
        return
    host_port = address.split("://", 1)[1] if "://" in address else address
    host, _, port = host_port.rpartition(":")
    if not host or not port.isdigit():
        raise ScaleError(f"--address must be 'auto', HOST:PORT or ray://HOST:PORT, not {address!r}")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as err:
        raise ScaleError(f"cannot reach the Ray cluster at {address} ({err.strerror or err}): start it "
                         "with `ray start --head` on the head node, or check the address") from None


def _runtime_env() -> dict | None:
    raw = os.environ.get(RUNTIME_ENV_VARIABLE)
    if not raw:
        return None
    try:
        env = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ScaleError(f"{RUNTIME_ENV_VARIABLE} is not valid JSON ({err.msg})") from None
    if not isinstance(env, dict):
        raise ScaleError(f"{RUNTIME_ENV_VARIABLE} must be a JSON object (a Ray runtime_env)")
    return env


def without_arrow_serializers() -> bool:
    """Keep Ray from importing pyarrow in this process; True when done.

    Ray (2.60: `ray.util.serialization_addons.apply`) registers serializers for Arrow objects in
    every process that builds its serialization context — the driver at `ray.init`, a worker at its
    first task's arguments — and imports pyarrow to do so whenever pyarrow is installed: ≈35 MB
    resident a process (measured: a worker 122 → 87 MB, the driver 127 → 91), of the 1.5 GB the
    engine's two workers and driver may take (issue 18; docs/BENCHMARKS.md, session 18). Nothing
    Chronicle passes through Ray is an Arrow object (records go to the shard files), so the
    registration is replaced by nothing: Ray looks the function up by name when it builds the
    context, in the driver before `ray.init` and in each worker as the actor starts (`_coder_class`:
    created with no arguments, it runs this first). A worker set-up hook in the runtime_env did the
    same but sent every worker through Ray's runtime-env agent, 1–2 s of start-up a run. Where
    Chronicle itself needs Arrow (object-store shards, Parquet export) it imports it as before. In
    the driver the change lasts as long as the process: an Arrow object another Ray job of that
    process passes is pickled by Ray's general serializer instead (slower, not wrong). Best effort,
    like `_stop_unused_services`: a Ray without this internal keeps its behaviour, and only the
    memory differs."""
    try:
        from ray._private import arrow_serialization
    except ImportError:
        return False
    if not hasattr(arrow_serialization, "_register_custom_datasets_serializers"):
        return False
    arrow_serialization._register_custom_datasets_serializers = _no_serializers
    return True


def _no_serializers(serialization_context) -> None:
    return None


# What a local instance starts that a run on it never uses: the autoscaler's monitor (one node,
# nothing to scale), the log monitor (it streams worker output to the driver: log_to_driver is
# off) and the dashboard's API server (started even with include_dashboard=False, for its usage
# statistics, which are off). Python processes of ≈90-105 MB each; `ray.init` has no switch for
# them, so they are stopped once it returns (docs/BENCHMARKS.md, session 15).
UNUSED_LOCAL_SERVICES = ("monitor", "log_monitor", "dashboard")


def _stop_unused_services(ray) -> list[str]:
    """Stop UNUSED_LOCAL_SERVICES of the local instance this process started; returns those
    stopped. Best effort: another Ray version without these internals keeps them (memory only)."""
    node = getattr(getattr(getattr(ray, "_private", None), "worker", None), "_global_node", None)
    stopped = []
    for name in UNUSED_LOCAL_SERVICES:
        if name not in getattr(node, "all_processes", {}):
            continue
        try:
            getattr(node, f"kill_{name}")(check_alive=False)
        except Exception:  # noqa: BLE001 (Ray's internals: nothing a user can act on)
            continue
        stopped.append(name)
    return stopped


@contextmanager
def _cluster(ray, address: str | None, workers: int | None):
    """Connected to Ray for the block: to a Ray already initialised in this process (a notebook,
    the tests), else to `address`, else to a new local instance with `workers` CPUs. Yields (where
    the work runs, whether this block started Ray and shuts it down afterwards)."""
    if address:
        _check_reachable(address)
    if ray.is_initialized():
        yield "the Ray instance this process had started", False
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage reporting: runs offline
    without_arrow_serializers()  # before ray.init builds this process's serialization context
    common = {"logging_level": logging.ERROR, "log_to_driver": False, "runtime_env": _runtime_env()}
    if address:
        auth_error = getattr(ray.exceptions, "AuthenticationError", ())  # Ray ≥ 2.52 has token auth
        try:
            ray.init(address=address, **common)
        except auth_error as err:
            first = str(err).split(". ")[0]
            raise ScaleError(f"cannot connect to the Ray cluster at {address}: {first}; set RAY_AUTH_TOKEN "
                             "to the output of `ray get-auth-token` on the head node") from None
        except ConnectionError as err:
            hint = "" if os.environ.get("RAY_AUTH_MODE") else (
                "; if the cluster uses token authentication (Ray's default for `ray start --head`), "
                "set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (`ray get-auth-token` on the head node)")
            raise ScaleError(f"cannot connect to the Ray cluster at {address}: {err}{hint}") from None
        except ValueError as err:
            if "ray[client]" in str(err):
                raise ScaleError(f"connecting with ray:// needs Ray's client: {INSTALL_HINT} "
                                 "(or pip install 'ray[client]')") from None
            raise
        where = f"cluster at {address}"
    else:  # "local": a new instance even if `ray start` once left a cluster address on this machine
        ray.init(address="local", num_cpus=workers, include_dashboard=False,
                 object_store_memory=LOCAL_OBJECT_STORE_BYTES, **common)
        _stop_unused_services(ray)
        where = "local Ray instance"
    try:
        yield where, True
    finally:
        ray.shutdown()


# --- the worker -------------------------------------------------------------------------------------

@functools.cache
def _coder_class(ray, fingerprint_json: str):
    """The actor class for workers of a driver whose code has this fingerprint (JSON). The
    fingerprint travels inside the class, not as an argument: the actor is created with none, so
    that `without_arrow_serializers` runs before Ray deserializes anything in the worker (Ray builds
    its serialization context, and imports pyarrow for it, at the first arguments)."""
    from ..pipeline import SETUP_ERRORS

    fingerprint = json.loads(fingerprint_json)

    @ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)
    class ShardCoder:
        """A Ray actor: models loaded once (`pipeline._worker_init`), then shards coded one by one."""

        def __init__(self):
            without_arrow_serializers()
            self.problem = None
            mine = code_fingerprint()
            if json.dumps(mine, sort_keys=True) != fingerprint_json:
                self.problem = (f"worker node {socket.gethostname()} runs {mine}, the driver {fingerprint}: "
                                "install the same Chronicle on every node")
                return
            from ..pipeline import _worker_init

            try:
                _worker_init()
            except SETUP_ERRORS as err:
                self.problem = f"on worker node {socket.gethostname()}: {err}"

        def ping(self) -> bool:
            return True

        def loaded(self, prefix: str) -> list[str]:
            """The modules this worker has imported whose name starts with `prefix` (diagnosis)."""
            return sorted(name for name in sys.modules if name.startswith(prefix))

        def code(self, shard: Shard, location: str, options: CodingOptions, cwd: str,
                 die_midway: bool = False) -> dict:
            if self.problem:
                raise WorkerSetupError(self.problem)
            if os.path.isdir(cwd):  # relative input paths mean what they mean on the driver
                os.chdir(cwd)
            folder = ShardFolder(location)
            if "://" not in location and not os.path.isdir(folder.base):
                raise WorkerSetupError(
                    f"the shards folder {location} is not visible on worker node {socket.gethostname()}: "
                    "--shards-dir must be on a filesystem every node mounts at the same path")
            try:
                return code_shard(shard, folder, options, die_midway=die_midway)
            except SETUP_ERRORS as err:
                raise WorkerSetupError(str(err)) from None

    return ShardCoder


def _alive(ray, actors: list) -> list:
    """The actors that still answer (an idle actor may have died since the last run)."""
    from ray.exceptions import RayError

    alive = []
    for actor in actors:
        try:
            ray.get(actor.ping.remote(), timeout=10)
        except RayError:  # dead, or too slow to answer (GetTimeoutError)
            continue
        alive.append(actor)
    return alive


# Idle actors kept between runs in a process that had started Ray itself (a notebook, the tests),
# so the models are not loaded again for every run: {(node, job, fingerprint): [actor, ...]}.
_IDLE_ACTORS: dict[tuple, list] = {}


def _pool_key(ray, fingerprint: dict) -> tuple:
    context = ray.get_runtime_context()  # the node id is new for every Ray instance started
    return (context.get_node_id(), context.get_job_id(), json.dumps(fingerprint, sort_keys=True))


# --- the driver ---------------------------------------------------------------------------------------

class _Loader:
    """Loads coded shards into the store strictly in plan order, as far as they are ready."""

    def __init__(self, the_plan: Plan, status: dict[str, str], folder: ShardFolder,
                 admission: Admission, report: ShardedRunReport, sink: Callable,
                 fail: Callable[[IngestError], None], notice: Callable[[str], None],
                 on_progress: Callable[[RunReport], None] | None, sink_batches: bool = False):
        self.entries, self.status, self.folder = the_plan.entries, status, folder
        self.admission, self.report, self.sink, self.fail = admission, report, sink, fail
        self.notice, self.on_progress, self.sink_batches = notice, on_progress, sink_batches
        self.cursor = 0

    def advance(self) -> None:
        while self.cursor < len(self.entries):
            entry = self.entries[self.cursor]
            if isinstance(entry, list):  # inputs the driver found unreadable: their errors, in order
                for err in entry:
                    self.fail(err)
            else:
                state = self.status[entry.id]
                if state in ("pending", "lost"):
                    return
                if state == "coded" and not self._load(entry):
                    return
                # "bad": reported when it failed; its documents are missing, like an unreadable input's
            self.cursor += 1
            if self.on_progress:
                self.on_progress(self.report)

    def _load(self, shard: Shard) -> bool:
        try:
            load_shard(self.folder.open(shard.id), self.admission, self.report, self.sink, self.fail,
                       batches=self.sink_batches)
        except DamagedShard as err:
            # a damaged shard file (a disk error; never a half-written one, see `parquet`): drop it
            # so that the next run codes the shard again, and keep the input order until then
            self.status[shard.id] = "lost"
            self.report.lost_shards.append(shard.label)
            self.notice(f"shard {shard.id} ({shard.label}) could not be loaded ({err}); it is removed "
                        "and will be coded again by the next run")
            try:
                self.folder.delete(shard.id)
            except OSError:
                pass
            return False
        return True

    def waiting(self) -> int:
        """Coded shards after the cursor: loaded by the next run."""
        return sum(1 for e in self.entries[self.cursor:]
                   if isinstance(e, Shard) and self.status[e.id] == "coded")


def run(paths: Iterable[str], sink: Callable, *, store=None, force: bool = False,
        date: str | None = None, max_bytes: int = 10_000_000, workers: int | None = None,
        address: str | None = None, shards_dir: str | None = None,
        shard_size: int = DEFAULT_SHARD_SIZE, batch_size: int = BATCH_SIZE,
        on_error: Callable[[IngestError], None] | None = None,
        on_progress: Callable[[RunReport], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
        sink_batches: bool = False) -> ShardedRunReport:
    """Code `paths` on Ray and hand every new document to `sink`, in input order — the contract
    of `pipeline.run`, `sink_batches` included (lists of documents, for `Store.write_documents`).
    `workers`: Ray actors (default: the local instance's CPUs, or all of the cluster's).
    `shards_dir` (default `<store path>.shards`): where coded shards are kept; on a cluster, a
    path every node and the driver see, or an object-store URI."""
    started = time.perf_counter()
    if shards_dir is None:
        if store is None:
            raise ValueError("give shards_dir, or a store beside which the shards are kept")
        shards_dir = f"{store.path}.shards"
    folder = ShardFolder(shards_dir)  # an object store's loads Arrow here; a local folder never does
    return _run(paths, sink, folder, started, store=store, force=force, date=date,
                max_bytes=max_bytes, workers=workers, address=address, shard_size=shard_size,
                batch_size=batch_size, on_error=on_error, on_progress=on_progress,
                on_notice=on_notice, sink_batches=sink_batches)


@system_memory_pool  # the shards read here, where Arrow reads them
def _run(paths: Iterable[str], sink: Callable, folder: ShardFolder, started: float, *, store,
         force: bool, date: str | None, max_bytes: int, workers: int | None, address: str | None,
         shard_size: int, batch_size: int, on_error: Callable[[IngestError], None] | None,
         on_progress: Callable[[RunReport], None] | None, on_notice: Callable[[str], None] | None,
         sink_batches: bool) -> ShardedRunReport:
    report = ShardedRunReport()

    def fail(err: IngestError) -> None:
        report.errors.append(err)
        if on_error:
            on_error(err)

    def notice(message: str) -> None:
        if on_notice:
            on_notice(message)

    the_plan = plan(paths, shard_size=shard_size, date=date, max_bytes=max_bytes)
    folder.ensure()
    report.shards_dir = folder.location
    report.skipped.update(the_plan.skipped)
    shards = the_plan.shards
    report.shards = len(shards)

    coded = set() if force else folder.coded()
    lost_before = set() if force else folder.lost()
    status: dict[str, str] = {}
    todo: list[Shard] = []
    for shard in shards:
        if shard.id in coded:
            status[shard.id] = "coded"
            report.already_coded += 1
        elif shard.id in lost_before and folder.losses(shard.id) >= 2:
            status[shard.id] = "bad"
            report.bad_shards.append(shard.label)
            fail(IngestError(path=shard.label, reason=f"shard {shard.id} lost its worker in two runs "
                             f"and is skipped; delete {folder.path(shard.id, '.lost')} to try it again"))
        else:
            status[shard.id] = "pending"
            todo.append(shard)

    admission = Admission(store, force)
    loader = _Loader(the_plan, status, folder, admission, report, sink, fail, notice, on_progress,
                     sink_batches)
    loader.advance()  # what earlier runs coded can be loaded while the cluster starts
    if todo:
        ray = _import_ray()
        with _cluster(ray, address, workers) as (where, started_here):
            report.cluster = where
            if workers is None:
                workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
            report.workers = min(workers, len(todo))
            options = CodingOptions(date=date, max_bytes=max_bytes, batch_size=batch_size)
            _code(ray, todo, folder, options, report.workers, status, report, loader, fail, notice,
                  keep_actors=not started_here)
    loader.advance()
    report.unloaded = loader.waiting()
    if report.lost_shards:
        notice(f"{len(report.lost_shards)} shard(s) lost with their worker; re-run the same command to "
               f"code them{f' and load the {report.unloaded} coded shard(s) after them' if report.unloaded else ''}")
    report.seconds = time.perf_counter() - started
    return report


def _code(ray, todo: list[Shard], folder: ShardFolder, options: CodingOptions, workers: int,
          status: dict[str, str], report: ShardedRunReport, loader: _Loader,
          fail: Callable[[IngestError], None], notice: Callable[[str], None],
          keep_actors: bool = False) -> None:
    """Code `todo` on `workers` actors, loading as shards finish; returns when none is in flight.
    `keep_actors`: leave the live actors, models loaded, for the next run in this process."""
    from ray.exceptions import RayError, RayTaskError

    fingerprint = code_fingerprint()
    coder = _coder_class(ray, json.dumps(fingerprint, sort_keys=True))
    key = _pool_key(ray, fingerprint)
    idle = _alive(ray, _IDLE_ACTORS.pop(key, []))
    actors = [idle.pop() if idle else coder.options(scheduling_strategy="SPREAD").remote()
              for _ in range(workers)]
    for extra in idle:
        ray.kill(extra)
    busy = {n: 0 for n in range(len(actors))}  # actor slot -> shards in flight
    queue = deque(todo)
    inflight: dict = {}  # object ref -> (actor slot, submission number, shard)
    kill_at = int(os.environ.get(KILL_HOOK) or 0)
    submitted = replaced = 0
    cwd = os.getcwd()

    def submit(slot: int) -> None:
        nonlocal submitted
        shard = queue.popleft()
        submitted += 1
        ref = actors[slot].code.remote(shard, folder.location, options, cwd, submitted == kill_at)
        inflight[ref] = (slot, submitted, shard)
        busy[slot] += 1

    def lose(shard: Shard, reason: str) -> None:
        if folder.mark_lost(shard.id, reason) >= 2:
            status[shard.id] = "bad"
            report.bad_shards.append(shard.label)
            fail(IngestError(path=shard.label, reason=f"shard {shard.id} lost its worker in two runs "
                             f"and is skipped; delete {folder.path(shard.id, '.lost')} to try it again"))
        else:
            status[shard.id] = "lost"
            report.lost_shards.append(shard.label)
            notice(f"shard {shard.id} ({shard.label}) was lost with its worker ({reason})")

    def fill() -> None:
        for slot in list(busy):
            while queue and busy[slot] < IN_FLIGHT_PER_WORKER:
                submit(slot)

    try:
        fill()
        while inflight:
            # a short timeout keeps Ctrl-C working while a long shard is being coded
            ready, _ = ray.wait(list(inflight), num_returns=1, timeout=1.0)
            if not ready:
                continue
            slot, number, shard = inflight.pop(ready[0])
            busy[slot] -= 1
            try:
                ray.get(ready[0])
            except RayTaskError as err:
                cause = err.cause if isinstance(err.cause, BaseException) else err
                if isinstance(cause, WorkerSetupError):
                    raise ScaleError(str(cause)) from None
                status[shard.id] = "bad"
                report.bad_shards.append(shard.label)
                reason = " ".join(str(cause).split()) or type(cause).__name__
                fail(IngestError(path=shard.label, reason=f"shard {shard.id} failed: {reason}"))
            except RayError as err:  # the actor died: its process, its node, or out of memory
                # An actor codes its shards in submission order: the oldest one it held was being
                # coded and is lost; those queued behind it never started and go back to the queue.
                held = [(number, shard)] + [(n, s) for r, (sl, n, s) in inflight.items() if sl == slot]
                for ref in [r for r, (sl, _, _) in inflight.items() if sl == slot]:
                    del inflight[ref]
                held.sort(key=lambda item: item[0])
                queue.extendleft(s for _, s in reversed(held[1:]))
                lose(held[0][1], type(err).__name__)
                del busy[slot]
                if replaced < max(2, workers):
                    replaced += 1
                    actors.append(coder.options(scheduling_strategy="SPREAD").remote())
                    busy[len(actors) - 1] = 0
                elif not busy:
                    notice("workers keep dying; giving up on the shards not coded yet")
            else:
                status[shard.id] = "coded"
                report.coded += 1
                folder.clear_lost(shard.id)
            fill()
            loader.advance()
        for shard in queue:  # no worker left to code them
            status[shard.id] = "lost"
            report.lost_shards.append(shard.label)
    finally:
        live = [actors[slot] for slot in busy]
        if inflight:  # interrupted, or a setup error: stop the others' work
            for actor in live:
                ray.kill(actor)
        elif keep_actors:
            _IDLE_ACTORS[key] = live
        else:
            for actor in live:
                ray.kill(actor)
