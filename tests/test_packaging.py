"""The release path as a packager and a user take it: build, check, install the sdist elsewhere, run it.

One slow test on purpose: building and installing into fresh virtual environments is what a release
does, and what breaks when the contract is left out of a distribution.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO, cli_env, fresh_clone

CORE_SIZE_LIMIT_MB = 40
ADMIN = {"X-User-Id": "rc-demo-admin", "X-Auth-Token": "demo-admin-token"}
PYENV = Path.home() / ".pyenv" / "versions"


def _run(*argv: str | Path, cwd: Path, timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**cli_env(), **env}
    environment.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout, check=False
    )


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"{done.args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _other_python() -> Path:
    """A Python other than the one running the tests (3.13, else 3.12), else this one."""
    mine = f"{sys.version_info.major}.{sys.version_info.minor}"
    for minor in ("3.13", "3.12", "3.11"):
        for folder in sorted(PYENV.glob(f"{minor}.*"), reverse=True) if PYENV.is_dir() else []:
            if minor != mine and (folder / "bin" / "python3").is_file():
                return folder / "bin" / "python3"
    return Path(sys.executable)


def _installed_megabytes(venv: Path) -> float:
    [site] = list(venv.glob("lib/python3*/site-packages"))
    total = 0
    for path in site.rglob("*"):
        top = path.relative_to(site).parts[0]
        if path.is_file() and not re.match(r"(pip|setuptools|_distutils_hack|distutils-precedence)\b", top):
            total += path.stat().st_size
    return total / 1e6


@pytest.mark.slow
def test_sdist_builds_in_a_fresh_clone_and_installs_on_another_python(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path / "clone")
    dist = tmp_path / "dist"
    # The standard path: an sdist, then the wheel built from that sdist.
    _ok(_run(sys.executable, "-m", "build", "--outdir", dist, clone, cwd=tmp_path))
    [sdist] = list(dist.glob("*.tar.gz"))
    [wheel] = list(dist.glob("*.whl"))
    _ok(_run(sys.executable, "-m", "twine", "check", "--strict", sdist, wheel, cwd=tmp_path))

    prefix = sdist.name.removesuffix(".tar.gz") + "/"
    with tarfile.open(sdist) as archive:
        in_sdist = {name.removeprefix(prefix) for name in archive.getnames()}
    for expected in ("openapi.yaml", "schemas/license-info.json", "contracts/profiles.json", "README.md"):
        assert expected in in_sdist, expected
    assert {"LICENSE", "CHANGELOG.md", "contracts/examples/seed-trial-6x.json"} <= in_sdist
    assert "setup.py" not in in_sdist, "declarative packaging: no build hook"
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
        metadata = archive.read(next(n for n in in_wheel if n.endswith("METADATA"))).decode()
    for expected in ("openapi.yaml", "schemas/licenses-info-response.json", "contracts/mock/users.json"):
        assert f"rc_licenses_contract/contract/{expected}" in in_wheel, expected
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in in_wheel)
    modules = {path.relative_to(clone / "src").as_posix() for path in (clone / "src").rglob("*.py")}
    assert modules <= in_wheel, f"modules missing from the wheel: {sorted(modules - in_wheel)}"
    assert "License-Expression: MIT" in metadata and "Provides-Extra: gate" in metadata

    # A user's project elsewhere, another Python, the core install only.
    python = _other_python()
    venv, project = tmp_path / "venv", tmp_path / "project"
    project.mkdir()
    _ok(_run(python, "-m", "venv", venv, cwd=tmp_path))
    pip: list[str | Path] = [venv / "bin" / "python", "-m", "pip"]
    cli = venv / "bin" / "rc-licenses-contract"
    _ok(_run(*pip, "install", "--quiet", "--disable-pip-version-check", sdist, cwd=project))
    size = _installed_megabytes(venv)
    print(f"core install: {size:.1f} MB on {python}")
    assert size < CORE_SIZE_LIMIT_MB, f"the core install takes {size:.1f} MB"

    body = json.loads((REPO / "contracts" / "examples" / "seed-trial-6x.json").read_text())["value"]
    (project / "body.json").write_text(json.dumps(body))
    assert "passed: 1 records, 1 valid" in _ok(_run(cli, "validate", "body.json", cwd=project))
    assert "ok" in _ok(_run(cli, "lint", cwd=project))
    _ok(_run(cli, "bundle", "-o", "bundle.yaml", cwd=project))
    assert (project / "bundle.yaml").read_text().startswith("openapi: 3.1.0")
    for argv, extra in ((["gate", "--mock"], "gate"), (["mock"], "mock")):
        done = _run(cli, *argv, cwd=project)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert f"pip install 'rc-licenses-contract[{extra}]'" in done.stderr

    # A project on pytest 8.4: the plugin loads, stays inert, and names the extra when asked to gate.
    _ok(_run(*pip, "install", "--quiet", "--disable-pip-version-check", "pytest==8.4.*", cwd=project))
    (project / "test_theirs.py").write_text("def test_theirs():\n    assert True\n")
    pytest_bin = venv / "bin" / "pytest"
    assert "1 passed" in _ok(_run(pytest_bin, "-p", "no:cacheprovider", cwd=project))
    done = _run(pytest_bin, "-p", "no:cacheprovider", "--rc-base-url", "http://127.0.0.1:9", cwd=project)
    assert done.returncode == 4 and "needs the 'gate' extra" in done.stderr, done.stdout + done.stderr

    # Every extra, beside that pytest: it stays at 8.4.
    _ok(_run(*pip, "install", "--quiet", "--disable-pip-version-check", f"{sdist}[all]", cwd=project))
    version = _run(pytest_bin, "--version", cwd=project)
    assert re.search(r"pytest 8\.4\.", version.stdout + version.stderr), version.stdout + version.stderr
    _ok(_run(*pip, "check", cwd=project))
    assert "PASSED" in _ok(_run(cli, "gate", "--mock", "-q", cwd=project))
    _serve_and_ask(cli, project)


def _serve_and_ask(cli: Path, project: Path) -> None:
    mock = subprocess.Popen(
        [str(cli), "mock", "--port", "0"], cwd=project, env=cli_env(), stdout=subprocess.PIPE, text=True
    )
    try:
        assert mock.stdout is not None
        banner = mock.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/api/v1/licenses\.info", banner)
        assert url, banner
        deadline = time.monotonic() + 15
        while True:
            try:
                request = urllib.request.Request(url.group(), headers=ADMIN)
                with urllib.request.urlopen(request, timeout=5) as answer:
                    assert answer.status == 200 and json.load(answer)["success"] is True
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        mock.send_signal(signal.SIGINT)
        try:
            mock.wait(timeout=15)
        finally:
            if mock.poll() is None:
                mock.kill()
            if mock.stdout is not None:
                mock.stdout.close()
