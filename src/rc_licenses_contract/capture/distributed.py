"""The same validation on a Dask cluster (`--scheduler tcp://HOST:8786`, or `local` for a LocalCluster).

Partitions are the units a local run would make: byte ranges of large uncompressed files, whole small
files, and whole remote or compressed objects, which each worker opens and streams itself (fsspec);
standard input and pipes are read here and their chunks sent. Each worker compiles the schemas once and
sends back only results and counts; they are taken in input order, so the report is the one a local run
writes. Dask retries a task whose worker was lost; each partition's result is taken once, from its future.

Local paths need a file system the workers share: with a remote scheduler every local file is checked
from the workers first (same size) and refused with one line when they cannot see it.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any, BinaryIO

from ..errors import UsageError
from .checker import RecordChecker
from .compression import MAGIC_BYTES, codec_for
from .options import ValidateOptions
from .remote import scrub, shown
from .sources import Source
from .streams import plan
from .units import Unit, UnitResult

IN_FLIGHT_PER_WORKER = 4
_CHECKERS: dict[tuple[Any, ...], RecordChecker] = {}  # per worker process: schemas compiled once


def _key(options: ValidateOptions) -> tuple[Any, ...]:
    return (
        str(options.root),
        options.response,
        options.profile,
        options.strict,
        options.engine,
        options.max_errors,
        options.keep_valid,
    )


def check_partition(options: ValidateOptions, unit: Unit) -> UnitResult:
    """Runs on a worker: one partition in, its results out. Pure apart from the per-process checker cache."""
    from ..loader import load_contract
    from .runner import exact_integers, run_unit

    key = _key(options)
    checker = _CHECKERS.get(key)
    if checker is None:
        checker = _CHECKERS[key] = RecordChecker(options, load_contract(options.root))
    with exact_integers():
        return run_unit(checker, unit)


def _compressed(source: Source) -> bool:
    assert source.path is not None
    try:
        with source.path.open("rb") as handle:
            return codec_for(handle.read(MAGIC_BYTES)) is not None
    except OSError:
        return False  # the plan names the problem


def plan_for_workers(sources: list[Source], stdin: BinaryIO | None) -> Iterator[Unit]:
    for source in sources:
        if source.path is not None:  # workers have their own working folders: names stay, paths are absolute
            source = replace(source, path=source.path.absolute())
        if source.problem is None and (source.url is not None or (source.regular and _compressed(source))):
            yield Unit(source, source.kind, whole=True)
        else:
            yield from plan(source, stdin)


def _shown(address: str) -> str:
    """The scheduler's address as printed: a user and password in it are masked (`tcp://***@host:8786`)."""
    return shown(address if "://" in address else f"tcp://{address}") if "@" in address else address


def _reachable(address: str) -> None:
    """A refused connection is known at once; Dask's client would retry it for its whole timeout."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise UsageError(f"--scheduler {_shown(address)}: not an address like tcp://HOST:8786") from None
    if not host or not port:
        raise UsageError(f"--scheduler {_shown(address)}: not an address like tcp://HOST:8786")
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise UsageError(f"--scheduler {_shown(address)}: cannot reach the scheduler: {reason}") from None


def _client(options: ValidateOptions, jobs: int) -> Any:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--scheduler needs dask (pip install 'rc-licenses-contract[dask]')") from None
    address = options.scheduler
    if address == "local":
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            preload=["rc_licenses_contract.capture.dask_worker"],  # Ctrl-C is the command's to handle
        )
        return Client(cluster)  # type: ignore[no-untyped-call]
    address = str(address)
    _reachable(address)
    try:
        return Client(address, timeout=30)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        reason = scrub(str(exc), address if "://" in address else f"tcp://{address}")
        raise UsageError(f"--scheduler {_shown(address)}: cannot reach the scheduler: {reason}") from None


def _sizes(paths: list[str]) -> list[int]:
    found = []
    for path in paths:
        try:
            found.append(os.stat(path).st_size)
        except OSError:
            found.append(-1)
    return found


def _refuse_unseen(client: Any, sources: list[Source]) -> None:
    """Every regular local file must look the same (size) from every worker, checked once before any work."""
    local = sorted({str(s.path.absolute()) for s in sources if s.path is not None and s.regular})
    if not local:
        return
    expected = [os.stat(path).st_size for path in local]
    for worker, sizes in client.run(_sizes, local).items():
        for path, size, seen_size in zip(local, expected, sizes, strict=True):
            if size != seen_size:
                raise UsageError(
                    f"{path}: the Dask worker {worker} cannot see this file; local paths need a file system "
                    "the workers share (or put the captures in shared storage, e.g. s3://…)"
                )


def on_dask(
    options: ValidateOptions, units: Iterable[Unit], jobs: int, sources: list[Source]
) -> Iterator[tuple[Unit, UnitResult]]:
    """Results in input order, with a bounded number of partitions in flight."""
    client = _client(options, jobs)
    try:
        if options.scheduler != "local":
            _refuse_unseen(client, sources)
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        window = workers * IN_FLIGHT_PER_WORKER
        pending: deque[tuple[Unit, Any]] = deque()
        for unit in units:
            pending.append((unit, client.submit(check_partition, options, unit, pure=False, retries=3)))
            if len(pending) > window:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()
