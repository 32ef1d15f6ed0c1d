"""The kit in other people's toolchains: the pytest plugin, pre-commit hooks, the CI workflow example."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from rc_licenses_contract.mock.app import MockConfig
from rc_licenses_contract.mock.runner import running_mock

from .conftest import REPO, RunCli, RunPytest, cli_env, fresh_clone

ADMIN_ENV = {
    "ROCKETCHAT_AUTH_TOKEN": "demo-admin-token",
    "ROCKETCHAT_USER_ID": "rc-demo-admin",
    "ROCKETCHAT_UNPRIVILEGED_AUTH_TOKEN": "demo-user-token",
    "ROCKETCHAT_UNPRIVILEGED_USER_ID": "rc-demo-user",
}
pytestmark = pytest.mark.usefixtures("generation_drawn_once")  # Schemathesis' seeded draw, once per run


THEIR_TEST = "def test_their_own():\n    assert True\n"


def _pytest(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_nothing_else.py").write_text(THEIR_TEST)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture
def their_pytest(run_pytest: tuple[Path, RunPytest]) -> tuple[Path, RunPytest]:
    """A team's project with one test of its own, and pytest run there in this process (`run_pytest`)."""
    folder, run = run_pytest
    (folder / "test_nothing_else.py").write_text(THEIR_TEST)
    return folder, lambda *args, env: run("-p", "no:cacheprovider", "-rA", *args, env=env)


def test_pytest_plugin_is_inert_without_base_url(their_pytest: tuple[Path, RunPytest]) -> None:
    _, run = their_pytest
    done = run(env=cli_env())
    assert done.returncode == 0 and "1 passed" in done.stdout
    assert "rc-licenses-contract::" not in done.stdout


def test_pytest_plugin_turns_the_gate_checks_into_items(their_pytest: tuple[Path, RunPytest]) -> None:
    _, run = their_pytest
    with running_mock(MockConfig(root=REPO)) as base:
        done = run("--rc-base-url", base, env=cli_env(**ADMIN_ENV))
    assert done.returncode == 0, done.stdout[-3000:]
    assert "PASSED rc-licenses-contract::schema" in done.stdout
    assert "PASSED rc-licenses-contract::schemathesis.ignored_auth" in done.stdout
    assert "PASSED test_nothing_else.py::test_their_own" in done.stdout


def test_pytest_plugin_reports_violations_as_failures(their_pytest: tuple[Path, RunPytest]) -> None:
    _, run = their_pytest
    with running_mock(MockConfig(root=REPO, fault="wrong-type")) as base:
        done = run("--rc-base-url", base, env=cli_env(**ADMIN_ENV))
    assert done.returncode == 1
    assert "FAILED rc-licenses-contract::schema" in done.stdout
    assert '"true" is not of type "boolean"' in done.stdout
    assert "demo-admin-token" not in done.stdout


def test_pytest_plugin_reads_its_ini_keys(their_pytest: tuple[Path, RunPytest]) -> None:
    folder, run = their_pytest
    with running_mock(MockConfig(root=REPO, fault="wrong-type")) as base:
        (folder / "pytest.ini").write_text(f"[pytest]\nrc_base_url = {base}\nrc_max_requests = 12\n")
        done = run(env=cli_env(**ADMIN_ENV))
        assert done.returncode == 1 and "FAILED rc-licenses-contract::schema" in done.stdout, done.stdout[-2000:]
        (folder / "pytest.ini").write_text(f"[pytest]\nrc_base_url = {base}\nrc_max_requests = lots\n")
        done = run(env=cli_env(**ADMIN_ENV))
    assert done.returncode == 4 and "ini key rc_max_requests: 'lots' is not a whole number" in done.stderr


def test_pytest_plugin_needs_credentials(tmp_path: Path) -> None:
    """In a real pytest process: the plugin is found through its pytest11 entry point and its options parsed
    there (the other plugin tests run pytest in this process, which loads it the same way)."""
    done = _pytest(tmp_path, "--rc-base-url", "http://127.0.0.1:9", env=cli_env())
    assert done.returncode == 4 and "ROCKETCHAT_AUTH_TOKEN" in done.stderr, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_pre_commit_hooks_run_as_declared(tmp_path: Path) -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"rc-licenses-contract-validate", "rc-licenses-contract-validate-strict"}
    body = json.loads((REPO / "contracts" / "examples" / "enterprise-8x.json").read_text())["value"]
    (tmp_path / "good.json").write_text(json.dumps(body))
    body["license"]["debug"] = True
    (tmp_path / "drift.json").write_text(json.dumps(body))
    bin_dir = Path(sys.executable).parent
    for hook_id, expected in (("rc-licenses-contract-validate", 0), ("rc-licenses-contract-validate-strict", 1)):
        hook = hooks[hook_id]
        assert hook["language"] == "python"
        entry = hook["entry"].split()
        entry[0] = str(bin_dir / entry[0])
        files = [
            name
            for name in ("good.json", "drift.json", "README.md", "notes.txt")
            if re.search(hook["files"], name) and not re.search(hook["exclude"], name)
        ]
        assert files == ["good.json", "drift.json"]
        done = subprocess.run(
            [*entry, *files], cwd=tmp_path, env=cli_env(), capture_output=True, text=True, check=False
        )
        assert done.returncode == expected, (hook_id, done.stdout)


def test_github_actions_example_runs_against_the_mock(tmp_path: Path) -> None:
    workflow = yaml.safe_load((REPO / "examples" / "github-actions" / "licenses-contract-gate.yml").read_text())
    steps = workflow["jobs"]["gate"]["steps"]
    gate_step = next(step for step in steps if "rc-licenses-contract gate" in step.get("run", ""))
    assert set(gate_step["env"]) == {"ROCKETCHAT_URL", *ADMIN_ENV}
    assert all(value.startswith("${{ secrets.") for key, value in gate_step["env"].items() if "TOKEN" in key)
    published = [step for step in steps if "artifact" in step.get("uses", "") or "junit" in step.get("uses", "")]
    assert published and all(step.get("if") == "always()" for step in published)
    from rc_licenses_contract import __version__

    install = next(step["run"] for step in steps if "pip install" in step.get("run", ""))
    assert f'"rc-licenses-contract[gate]=={__version__}"' in install, "pinned to this version, with the gate extra"
    bin_dir = str(Path(sys.executable).parent)
    with running_mock(MockConfig(root=REPO)) as base:
        env = cli_env(ROCKETCHAT_URL=base, PATH=bin_dir + os.pathsep + os.environ["PATH"], **ADMIN_ENV)
        done = subprocess.run(
            ["bash", "-c", gate_step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
        )
    assert done.returncode == 0, done.stdout + done.stderr
    suite = ET.parse(tmp_path / "licenses-contract-gate.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    assert json.loads((tmp_path / "licenses-contract-gate.json").read_text())["exitCode"] == 0


@pytest.mark.parametrize("command", ["lint", "validate", "mock", "gate", "bundle"])
def test_every_command_has_help_with_examples(command: str, run_cli: RunCli) -> None:
    done = run_cli(command, "--help")
    assert done.returncode == 0 and "example" in done.stdout


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _readme_pre_commit_configs() -> list[str]:
    """The YAML blocks of README's pre-commit section, in order."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## pre-commit\n") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"(?s)```yaml\n(.*?)```\n", section)


@pytest.mark.slow
def test_pre_commit_hooks_in_a_scratch_repository(tmp_path: Path) -> None:
    """README's local hook as written; its repository hook pinned to a commit, narrowed to a folder and not."""
    kit = fresh_clone(tmp_path / "kit")  # this checkout, committed: no release tag exists yet
    _git("init", "-q", cwd=kit)
    _git("add", "-A", cwd=kit)
    _git("commit", "-q", "-m", "release", cwd=kit)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=kit, capture_output=True, text=True, check=True
    ).stdout.strip()

    body = json.loads((REPO / "contracts" / "examples" / "enterprise-8x.json").read_text())["value"]
    project = tmp_path / "project"
    (project / "captures").mkdir(parents=True)
    (project / "captures" / "good.json").write_text(json.dumps(body))
    (project / "captures" / "dump.jsonl").write_text(json.dumps(body) + "\n" + json.dumps(body) + "\n")
    (project / "captures" / "README.md").write_text("# Captures\n\nBodies of licenses.info, one per file.\n")
    (project / "captures" / "notes.txt").write_text("taken from staging on Monday\n")
    (project / "package.json").write_text('{"name": "their-app", "private": true}\n')
    _git("init", "-q", cwd=project)
    _git("add", "-A", cwd=project)
    # The kit installed where the commits run: this test's environment, first on PATH.
    env = cli_env(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), PRE_COMMIT_COLOR="never")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    pre_commit = str(Path(sys.executable).parent / "pre-commit")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [pre_commit, *args], cwd=project, env=env, capture_output=True, text=True, check=False, timeout=300
        )

    local, remote = _readme_pre_commit_configs()
    assert "rev: v" not in remote, "no release tag is named before one exists"
    # The repository block with its two placeholders filled in: this checkout, pinned to its commit.
    remote = re.sub(r"(?m)^(\s*- repo: )\S+.*$", rf"\g<1>{kit}", remote)
    remote = re.sub(r"(?m)^(\s*rev: )<tag or commit>", rf"\g<1>{commit}", remote)
    configs = {"local": local, "remote": remote}
    for name, config in configs.items():
        (project / ".pre-commit-config.yaml").write_text(config)
        done = run("run", "--all-files")
        assert done.returncode == 0, name + done.stdout + done.stderr
        assert re.search(r"validate captured (Rocket\.Chat )?licenses\.info bodies\.+Passed", done.stdout), done.stdout

    broken = dict(body, success="yes")
    (project / "captures" / "bad.json").write_text(json.dumps(broken))
    _git("add", "-A", cwd=project)
    for name, config in configs.items():
        (project / ".pre-commit-config.yaml").write_text(config)
        done = run("run", "--all-files")
        assert done.returncode == 1, name + done.stdout
        assert "captures/bad.json::/success" in done.stdout
        assert "README.md" not in done.stdout and "notes.txt" not in done.stdout and "package.json" not in done.stdout

    # The manifest's own filters: the repository block without its `files` line, on good, bad and unrelated
    # files (the same repository and rev, so pre-commit reuses the hook environment it built above; `try-repo`
    # would build a second one in a store of its own for the same check).
    (project / "package.json").unlink()
    _git("add", "-A", cwd=project)
    unnarrowed = re.sub(r"(?m)^\s*files: .*\n", "", remote)
    assert unnarrowed != remote and "files:" not in unnarrowed
    (project / ".pre-commit-config.yaml").write_text(unnarrowed)
    done = run("run", "--all-files")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "captures/bad.json::/success" in done.stdout
    assert "4 records, 3 valid, 1 invalid" in done.stdout, done.stdout
    assert "README.md" not in done.stdout and "notes.txt" not in done.stdout
