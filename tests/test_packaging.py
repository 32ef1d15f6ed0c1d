"""The release path as a packager and a user take it: build, check, install the sdist elsewhere, run it.

The release workflow's build job runs once, in a fresh clone (the module's `release_build`); its sdist
and wheel are then installed into fresh virtual environments, as a user does: what breaks when the
contract is left out of a distribution.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

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


# Run by the venv's own Python: the bytes of the package and of everything its core requirements pull in,
# by their installed file lists (so a test tool installed beside it does not count).
_CORE_BYTES = """
import importlib.metadata as metadata
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name
seen, todo, total = set(), ["rc-licenses-contract"], 0
while todo:
    name = canonicalize_name(todo.pop())
    if name not in seen:
        seen.add(name)
        distribution = metadata.distribution(name)
        total += sum(f.locate().stat().st_size for f in distribution.files or [] if f.locate().is_file())
        requirements = [Requirement(r) for r in distribution.requires or []]
        todo += [r.name for r in requirements if r.marker is None or r.marker.evaluate({"extra": ""})]
print(total, len(seen))
"""


def _core_megabytes(python: Path, cwd: Path) -> tuple[float, int]:
    size, distributions = _ok(_run(python, "-c", _CORE_BYTES, cwd=cwd)).split()
    return int(size) / 1e6, int(distributions)


@dataclass
class ReleaseBuild:
    clone: Path
    commands: list[str]  # the build job's own commands, as its steps write them
    done: subprocess.CompletedProcess[str]  # how they ran with the tag of this version


def _release_commands() -> list[str]:
    workflow = yaml.safe_load((REPO / "examples" / "github-actions" / "release.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    return [step["run"] for step in steps if "run" in step and "pip install" not in step["run"]]


def _run_release_commands(clone: Path, script: list[str], tag: str) -> subprocess.CompletedProcess[str]:
    env = cli_env(GITHUB_REF_NAME=tag, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    return subprocess.run(
        ["bash", "-ec", "\n".join(script).replace("python ", f"{sys.executable} ")],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture(scope="module")
def release_build(tmp_path_factory: pytest.TempPathFactory) -> ReleaseBuild:
    """The release workflow's build job (build the sdist, then the wheel from it; twine check; the tag
    check), run once in a fresh clone with the tag of this version: its dist/ is what the tests install."""
    from rc_licenses_contract import __version__

    clone = fresh_clone(tmp_path_factory.mktemp("release") / "clone")
    commands = _release_commands()
    return ReleaseBuild(clone, commands, _run_release_commands(clone, commands, f"v{__version__}"))


@pytest.mark.slow
def test_release_workflow_builds_checks_and_publishes_with_trusted_publishing(release_build: ReleaseBuild) -> None:
    workflow = yaml.safe_load((REPO / "examples" / "github-actions" / "release.yml").read_text())
    assert workflow[True]["push"]["tags"] == ["v*"]  # YAML 1.1 reads the key `on` as True
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "build" and publish["permissions"] == {"id-token": "write"}
    assert any(step.get("uses", "").startswith("pypa/gh-action-pypi-publish@") for step in publish["steps"])
    assert "secrets." not in yaml.safe_dump(workflow), "trusted publishing: no token"
    # The build job's own commands, in a fresh clone, with the tag of this version, then a wrong tag.
    assert any("python -m build" in command for command in release_build.commands)
    assert any("twine check" in command for command in release_build.commands)
    done = release_build.done
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-2000:])
    tag_check = next(command for command in release_build.commands if "GITHUB_REF_NAME" in command)
    done = _run_release_commands(release_build.clone, [tag_check], "v9.9.9")
    assert done.returncode == 1, (done.stdout[-2000:], done.stderr[-2000:])


@pytest.mark.slow
def test_the_release_builds_in_a_fresh_clone_and_installs_on_another_python(
    tmp_path: Path, release_build: ReleaseBuild
) -> None:
    # The standard path, as the release workflow takes it: an sdist, then the wheel built from that sdist,
    # both checked by twine --strict. The wheel is what pip installs from an index; building it from the
    # sdist was the release build's own step.
    assert release_build.done.returncode == 0, release_build.done.stdout[-3000:] + release_build.done.stderr[-3000:]
    clone, dist = release_build.clone, release_build.clone / "dist"
    [sdist] = list(dist.glob("*.tar.gz"))
    [wheel] = list(dist.glob("*.whl"))

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
    # virtualenv seeds pip from its cache in 0.3 s, where `python -m venv` runs ensurepip for 2.4 s.
    _ok(
        _run(
            sys.executable,
            "-m",
            "virtualenv",
            "-q",
            "--python",
            python,
            "--no-setuptools",
            "--no-wheel",
            venv,
            cwd=tmp_path,
        )
    )
    pip: list[str | Path] = [venv / "bin" / "python", "-m", "pip"]
    cli = venv / "bin" / "rc-licenses-contract"
    # The core, and (for later) the oldest pytest the plugin supports, in one pip run.
    _ok(_run(*pip, "install", "--quiet", "--disable-pip-version-check", wheel, "pytest==8.4.*", cwd=project))
    size, distributions = _core_megabytes(venv / "bin" / "python", project)
    print(f"core install: {size:.1f} MB in {distributions} distributions on {python}")
    assert distributions > 10 and size < CORE_SIZE_LIMIT_MB, f"the core install takes {size:.1f} MB"

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
    (project / "test_theirs.py").write_text("def test_theirs():\n    assert True\n")
    pytest_bin = venv / "bin" / "pytest"
    assert "1 passed" in _ok(_run(pytest_bin, "-p", "no:cacheprovider", cwd=project))
    done = _run(pytest_bin, "-p", "no:cacheprovider", "--rc-base-url", "http://127.0.0.1:9", cwd=project)
    assert done.returncode == 4 and "needs the 'gate' extra" in done.stderr, done.stdout + done.stderr

    # Every extra, beside that pytest: it stays at 8.4.
    _ok(_run(*pip, "install", "--quiet", "--disable-pip-version-check", "--no-compile", f"{wheel}[all]", cwd=project))
    version = _ok(_run(venv / "bin" / "python", "-c", "import pytest; print(pytest.__version__)", cwd=project))
    assert version.startswith("8.4."), version
    _ok(_run(*pip, "check", cwd=project))
    # Every extra at work: a short exploration is enough here (the suite runs the full one in-process).
    assert "PASSED" in _ok(_run(cli, "gate", "--mock", "-q", "--examples", "10", cwd=project))
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
