from __future__ import annotations

import compileall
import gc
import hashlib
import io
import ipaddress
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rc_licenses_contract.gate.storage import seed_tables
from rc_licenses_contract.loader import Contract, load_contract

REPO = Path(__file__).resolve().parents[1]
# The Rocket.Chat "Get Licenses" docs page the contract started from, kept in the repository so that no
# test reads outside it.
SEED_PAGE = REPO / "tests" / "data" / "seed-get-licenses-docs-page.txt"

RunCli = Callable[..., subprocess.CompletedProcess[str]]
RunPytest = Callable[..., subprocess.CompletedProcess[str]]

pytest_plugins = ["pytester"]


def _is_loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True  # AF_UNIX paths (bytes or str without a host part) never leave the machine
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a host name: tests use literal loopback addresses


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Compiling once what every process would compile again. The package's bytecode is compiled before the
    workers start, as pip compiles an install: the editable install has none, and with PYTHONDONTWRITEBYTECODE
    set every worker and each of the ~200 processes of the CLI, the mock and the plugin the suite starts would
    otherwise compile the modules it imports anew. Likewise the rewritten test modules; and only those are
    rewritten (see _rewrite_only_the_tests)."""
    _rewrite_only_the_tests(config)
    # Each worker holds Schemathesis', Hypothesis' and the tests' objects for the whole run: collecting after
    # every 700 new objects spent about a tenth of the in-process tests' CPU on the same survivors.
    gc.set_threshold(10_000, 10, 10)
    if not hasattr(config, "workerinput"):
        _scratch_files_in_memory()
        # The tests' own property tests use Hypothesis's folder (./.hypothesis unless the variable names one):
        # in a fresh clone it has no UTF-8 table yet, and each worker computed it (1.3 s of CPU each).
        seed_tables(Path(os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY") or Path.cwd() / ".hypothesis"))
        compileall.compile_dir(REPO / "src", quiet=2)  # a read-only checkout: no bytecode, and no noise
        compileall.compile_dir(REPO / "tests", quiet=2)  # the helpers pytest does not rewrite (canary, ...)
        _cache_rewritten_test_modules(config)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Every result is reported by now: what the process still holds is left out of the collection Python runs
    as it exits (about a second per worker, whose end the run waits for)."""
    gc.freeze()


SCRATCH_MIN_FREE = 4 << 30  # far more than the suite's files at their peak (about 120 MB in one run)


def _scratch_files_in_memory(
    shm: Path = Path("/dev/shm"), mounts: Path = Path("/proc/self/mounts"), min_free: int = SCRATCH_MIN_FREE
) -> bool:
    """The suite makes and removes tens of thousands of files: virtual environments, clones, captures. Where
    the temporary folder's file system has no journal (this machine's ext4 root), each new inode costs a scan
    past the recently deleted ones: about 5 s of system CPU per run. So the temporary files of this process,
    of the workers and of every process they start go to the machine's RAM disk when it is a tmpfs with room
    to spare (4 GB free, and as much memory available) that allows programs to run. A TMPDIR you set wins."""
    if os.environ.get("TMPDIR") or not sys.platform.startswith("linux"):
        return False
    try:
        # The last mount at that path is the one in effect (a folder mounted over twice lists both).
        at_shm = [line.split() for line in mounts.read_text().splitlines() if line.split()[1:2] == [str(shm)]]
        options = at_shm[-1][3].split(",") if at_shm and at_shm[-1][2] == "tmpfs" else None
        space = os.statvfs(shm)
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        available = next(int(line.split()[1]) * 1024 for line in meminfo if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, IndexError, ValueError):
        return False
    free = space.f_bavail * space.f_frsize
    if options is None or "noexec" in options or "ro" in options or min(free, available) < min_free:
        return False
    if not os.access(shm, os.W_OK | os.X_OK):
        return False
    os.environ["TMPDIR"] = str(shm)
    tempfile.tempdir = None  # read again from TMPDIR by the next call
    return True


def _rewrite_only_the_tests(config: pytest.Config) -> None:
    """pytest rewrites the asserts of every module of every installed package that ships a pytest plugin:
    Schemathesis, Hypothesis, anyio... some 300 modules parsed and compiled again in each worker (bytecode
    writing is off here), for assertion messages no test reads. The tests and conftest files still are."""
    try:
        from _pytest.assertion import rewrite

        rewrite_hook = config.stash[rewrite.assertstate_key].hook
        for marks in ("_must_rewrite", "_marked_for_rewrite_cache"):  # the hook is None with --assert=plain
            getattr(rewrite_hook, marks, set()).clear()
    except Exception:  # pytest's internals: a pytest that changes them only loses the shortcut
        return


def _cache_rewritten_test_modules(config: pytest.Config, folder: Path = REPO / "tests") -> None:
    """pytest caches each test module with its asserts rewritten, unless bytecode writing is off: then each
    worker rewrote all of them again (about a second of CPU each). Written once here, as pytest would; the
    workers read them. pytest's own functions, so a pytest that changes them only loses the shortcut; a
    module that does not compile is left to pytest to report when it collects it (not a crash of the run)."""
    try:
        from _pytest.assertion import rewrite

        state = config.stash[rewrite.assertstate_key]
        for module in [*sorted(folder.glob("test_*.py")), folder / "conftest.py"]:
            cached = rewrite.get_cache_dir(module) / (module.name[:-3] + rewrite.PYC_TAIL)
            if rewrite._read_pyc(module, cached) is not None or not rewrite.try_makedirs(cached.parent):
                continue
            try:
                source_hash, code = rewrite._rewrite_test(module, config)
            except (SyntaxError, ValueError, OSError):  # no source, or not Python: its collection says so
                continue
            rewrite._write_pyc(state, code, source_hash, cached)
    except Exception:
        return


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (addopts): the whole suite runs in parallel; tests named on the command line run in this
    process, where a few tests start sooner than workers do (`-n 2` spreads them anyway)."""
    if config.args_source is not pytest.Config.ArgsSource.TESTPATHS:
        return 0
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    # Two more than the CPUs: many tests wait on servers, timeouts and subprocesses rather than compute (on 2
    # cores, 4 workers ran the suite 6-10 s faster than 3 in paired runs; 5 gained nothing more).
    return cpus + 2


# Run in parallel (pytest-xdist, `--dist loadgroup`), the tests of the modules in one group stay together on one
# worker, in order: they share a set-up worth making once (a release build; a Dask cluster, whose last test kills
# a worker, and the S3 server it reads from). Every other test is scheduled on its own.
MODULE_GROUPS = {
    "tests/test_packaging.py": "release-build",
    "tests/test_validate_dask.py": "s3-and-dask",
    "tests/test_validate_remote.py": "s3-and-dask",
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """pytest-xdist's loadgroup, with MODULE_GROUPS. (Its `xdist_group` marks do not group on pytest 9.2:
    pytest-xdist issue #1386.)"""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling  # type: ignore[import-untyped]

    class ModuleGroups(LoadGroupScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            scope: str = super()._split_scope(nodeid)
            return MODULE_GROUPS.get(nodeid.split("::", 1)[0], scope) if scope == nodeid else scope

    return ModuleGroups(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: run in parallel (pytest-xdist), the longest ones then overlap the many short ones
    instead of starting last. The order is otherwise the collection's (a stable sort)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    """Refuse any connection from the test process to an address other than loopback."""
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise ConnectionRefusedError(f"tests may only reach loopback addresses, not {address!r}")

    def connect(sock: socket.socket, address: object) -> None:
        guard(sock, address)
        original_connect(sock, address)  # type: ignore[arg-type]

    def connect_ex(sock: socket.socket, address: object) -> int:
        guard(sock, address)
        return original_connect_ex(sock, address)  # type: ignore[arg-type]

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = original_connect, original_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def contract() -> Contract:
    return load_contract(REPO)


def cli_env(**extra: str) -> dict[str, str]:
    # Not GITHUB_ACTIONS nor GITHUB_STEP_SUMMARY either: a test run in CI must not annotate the job.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ROCKETCHAT_", "RC_LICENSES")) and k not in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")
    }
    env.update({"NO_COLOR": "1", "PYTHONWARNINGS": "error::DeprecationWarning:rc_licenses_contract"}, **extra)
    return env


def _subprocess_runner(tmp_path: Path) -> RunCli:
    def run(
        *args: str,
        input: str | bytes | None = None,
        timeout: float = 120,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rc_licenses_contract", *args],
            input=input,
            capture_output=True,
            text=not isinstance(input, bytes),
            timeout=timeout,
            env=env or cli_env(),
            cwd=cwd or tmp_path,
            check=False,
        )

    return run


@pytest.fixture
def run_cli_process(tmp_path: Path) -> RunCli:
    """Run the real CLI in a subprocess, from a scratch working directory: for what only a real process shows
    (the installed entry point, its exit status, what reaches the real file descriptors)."""
    return _subprocess_runner(tmp_path)


def _clear_package_caches() -> None:
    """Forget what the package cached per process (loaded contracts, file positions): a test may change a
    file between two runs, as a user does between two processes."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "rc_licenses_contract" or name.startswith("rc_licenses_contract.")):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                value.cache_clear()
    # fsspec keeps one filesystem per set of options, and the options come from the environment: a
    # filesystem made for an earlier test's S3 server must not be reused for the next one.
    registry = sys.modules.get("fsspec.registry")
    for implementation in getattr(registry, "_registry", {}).values():
        implementation.clear_instance_cache()


def in_process_runner(tmp_path: Path) -> RunCli:
    def run(
        *args: str,
        input: str | bytes | None = None,
        timeout: float = 120,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        from rc_licenses_contract.cli import main

        del timeout  # every in-process command is bounded by its own limits; the subprocess runner enforces it
        raw_input = input.encode() if isinstance(input, str) else (input or b"")
        stdin = io.TextIOWrapper(io.BytesIO(raw_input), encoding="utf-8")
        out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
        stdout = io.TextIOWrapper(out_bytes, encoding="utf-8", write_through=True)
        stderr = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace", write_through=True)
        saved_env, saved_cwd = dict(os.environ), os.getcwd()
        saved_streams = sys.stdin, sys.stdout, sys.stderr
        saved_signals = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        saved_record_factory = logging.getLogRecordFactory()
        saved_argv = sys.argv[:]
        _clear_package_caches()
        os.environ.clear()
        os.environ.update(env or cli_env())
        os.chdir(cwd or tmp_path)
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
        sys.argv = ["rc-licenses-contract", *args]
        try:
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse's usage errors and --help
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
                if exit_.code is not None and not isinstance(exit_.code, int):
                    print(exit_.code, file=sys.stderr)
            stdout.flush()
            stderr.flush()
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved_streams
            sys.argv = saved_argv
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
            for sig, handler in saved_signals.items():
                signal.signal(sig, handler)
            logging.setLogRecordFactory(saved_record_factory)
        if isinstance(input, bytes):
            return subprocess.CompletedProcess(list(args), code, out_bytes.getvalue(), err_bytes.getvalue())  # type: ignore[arg-type]
        return subprocess.CompletedProcess(
            list(args), code, out_bytes.getvalue().decode("utf-8"), err_bytes.getvalue().decode("utf-8")
        )

    return run


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run the CLI's `main(argv)` in this process, as the subprocess would: scratch working directory, the
    same cleaned environment, captured standard streams (nothing a tty), standard input given as text or
    bytes, SystemExit turned into the exit code, and every piece of process state the CLI touches restored.
    What only a real process can show uses `run_cli_process`."""
    return in_process_runner(tmp_path)


@pytest.fixture(scope="session")
def bundle_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`bundle -o` run once for the session (in-process): the YAML bundle, for tests that only read it."""
    folder = tmp_path_factory.mktemp("bundle")
    target = folder / "licenses-info.openapi.yaml"
    done = in_process_runner(folder)("bundle", "-o", str(target))
    assert done.returncode == 0, done.stderr
    return target


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """One S3 server (moto's) on 127.0.0.1 for the session; each test makes its own bucket."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


_DRAWN: dict[tuple[object, ...], list[str]] = {}


@pytest.fixture(scope="session")
def _drawn_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's folder for draws, shared by the workers (their own folders sit side by side in it)."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "schemathesis-draws"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def generation_drawn_once(monkeypatch: pytest.MonkeyPatch, _drawn_folder: Path) -> None:
    """The gate's Schemathesis generation (`SchemathesisAdapter.draw`), remembered for this run.

    A draw is seeded: its queries follow from the OpenAPI document and its schemas/, the operation, the
    mode, the count and the seed, so the first draw with those inputs is real and the next run is handed the
    same queries instead of generating them again (most of a gate run's CPU). Modules that run the gate
    many times ask for it. The first draw with each input, in whichever worker asks first, is real; the
    other workers read it from the run's folder. A draw the run's deadline cuts short (it raises) is never
    remembered.
    """
    from rc_licenses_contract.gate.st import SchemathesisAdapter

    real_init, real_draw = SchemathesisAdapter.__init__, SchemathesisAdapter.draw

    def init(self: SchemathesisAdapter, openapi_file: Path, path: str, method: str, *rest: Any) -> None:
        real_init(self, openapi_file, path, method, *rest)
        digest = hashlib.sha256()
        for file in [openapi_file, *sorted((openapi_file.parent / "schemas").rglob("*.json"))]:
            digest.update(file.read_bytes())
        self._drawn_key = (digest.hexdigest(), path, method)  # type: ignore[attr-defined]

    def draw(
        self: SchemathesisAdapter, negative: bool, examples: int, seed: int, *rest: Any, **named: Any
    ) -> list[str]:
        key = (*self._drawn_key, negative, examples, seed)  # type: ignore[attr-defined]
        if key not in _DRAWN:
            kept = _drawn_folder / (hashlib.sha256(repr(key).encode()).hexdigest() + ".json")
            if kept.is_file():
                _DRAWN[key] = json.loads(kept.read_text())
            else:  # a draw cut short by the run's deadline raises: only whole draws are remembered
                _DRAWN[key] = real_draw(self, negative, examples, seed, *rest, **named)
                partial = kept.with_suffix(f".{os.getpid()}")
                partial.write_text(json.dumps(_DRAWN[key]))
                partial.replace(kept)  # whole or not at all, for a worker reading it now
        return list(_DRAWN[key])

    monkeypatch.setattr(SchemathesisAdapter, "__init__", init)
    monkeypatch.setattr(SchemathesisAdapter, "draw", draw)


@pytest.fixture
def contract_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped contract, to break on purpose."""
    target = tmp_path / "contract"
    target.mkdir()
    shutil.copy(REPO / "openapi.yaml", target / "openapi.yaml")
    shutil.copytree(REPO / "schemas", target / "schemas")
    shutil.copytree(REPO / "contracts", target / "contracts")
    return target


def fresh_clone(target: Path) -> Path:
    """What a fresh clone of this checkout holds: tracked files (and new, not ignored ones), nothing built."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: cannot tell a fresh clone's files")
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = REPO / name
        if source.is_file() and not name.startswith("tooling/node_modules/"):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture
def run_pytest(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, RunPytest]:
    """A scratch folder, and pytest run in this process (pytester's in-process run) from it, as a user runs
    it there: plugins load from their entry points (ours among them), the environment is `cli_env`'s.

    pytester forgets every module an in-process run imported; here only the scratch folder's own modules
    (its tests and conftest.py) are forgotten, so that the gate's libraries are imported once per process,
    as in a real run. The plugin's one real-process test is in test_toolchain.py."""
    import _pytest.pytester

    scratch: list[Path] = []  # known once pytester has made it

    def forgotten(name: str) -> bool:
        where = getattr(sys.modules.get(name), "__file__", None)
        return isinstance(where, str) and any(Path(where).is_relative_to(folder) for folder in scratch)

    class Snapshot(_pytest.pytester.SysModulesSnapshot):
        def __init__(self, preserve: Callable[[str], bool] | None = None) -> None:
            super().__init__(preserve=lambda name: (preserve is not None and preserve(name)) or not forgotten(name))

    monkeypatch.setattr(_pytest.pytester, "SysModulesSnapshot", Snapshot)
    pytester: pytest.Pytester = request.getfixturevalue("pytester")
    scratch.append(pytester.path)

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        target = env if env is not None else cli_env()
        with pytest.MonkeyPatch.context() as scoped:
            for name in [name for name in os.environ if name not in target]:
                scoped.delenv(name)
            for name, value in target.items():
                scoped.setenv(name, value)
            _clear_package_caches()  # as in a new process; and nothing it cached outlives it
            try:
                result = pytester.runpytest_inprocess(*args)
            finally:
                _clear_package_caches()
        out, err = "\n".join(result.outlines), "\n".join(result.errlines)
        return subprocess.CompletedProcess(list(args), int(result.ret), out + "\n", err + "\n")

    return pytester.path, run
