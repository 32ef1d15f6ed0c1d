"""README "Plain tools": every line run as written (ports and paths substituted), offline.

Each tool gets the contract as checked out and as the wheel lays it out, with every HTTP(S) request
outside the loopback sent to a dead proxy: resolving our `$ref`s must need no network.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rc_licenses_contract.gate.storage import seed_tables
from rc_licenses_contract.mock.runner import free_port

from .conftest import REPO, cli_env

BIN = Path(sys.executable).parent
NODE_BIN = REPO / "tooling" / "node_modules" / ".bin"
CALLERS = {
    "admin": ("rc-demo-admin", "demo-admin-token"),
    "auditor": ("rc-demo-auditor", "demo-auditor-token"),
    "user": ("rc-demo-user", "demo-user-token"),
}
OFFLINE = {
    **{name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")},
    **{name: "127.0.0.1,localhost" for name in ("NO_PROXY", "no_proxy")},
}


def _readme_lines() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Plain tools\n") :]
    block = section[section.index("```sh\n") + 6 : section.index("```\n", section.index("```sh\n"))]
    return block.strip().splitlines()


LINES = _readme_lines()


def _line(tool: str) -> str:
    return next(line for line in LINES if re.search(rf"(^|\s){re.escape(tool)} ", line))


def _command(line: str, **swap: str) -> str:
    for tool, where in (
        ("check-jsonschema", BIN),
        ("schemathesis", BIN),
        ("rc-licenses-contract", BIN),
        ("ajv", NODE_BIN),
        ("prism", NODE_BIN),
    ):
        line = re.sub(rf"(^|\s){re.escape(tool)} ", rf"\g<1>{where / tool} ", line, count=1)
    for old, new in swap.items():
        line = line.replace(old, new)
    return line


def _bash(line: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", line], cwd=cwd, env=cli_env(**OFFLINE), capture_output=True, text=True, timeout=timeout
    )


@contextlib.contextmanager
def _serving(line: str, cwd: Path, port: int) -> Iterator[None]:
    server = subprocess.Popen(
        ["bash", "-c", f"exec {line}"],
        cwd=cwd,
        env=cli_env(**OFFLINE),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            assert server.poll() is None, f"{line!r} stopped with {server.returncode}"
            assert time.monotonic() < deadline, f"{line!r} did not listen on {port}"
            time.sleep(0.1)
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(params=["checkout", "installed"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "checkout":
        return REPO
    installed = tmp_path / "site-packages" / "rc_licenses_contract" / "contract"
    installed.mkdir(parents=True)
    shutil.copy(REPO / "openapi.yaml", installed)
    shutil.copytree(REPO / "schemas", installed / "schemas")
    shutil.copytree(REPO / "contracts", installed / "contracts")
    return installed


@pytest.fixture
def bodies(tmp_path: Path) -> tuple[Path, Path]:
    body = json.loads((REPO / "contracts" / "examples" / "enterprise-8x.json").read_text())["value"]
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(body))
    body["license"]["trial"] = "no"  # two $refs deep: caught only when the refs resolve
    bad.write_text(json.dumps(body))
    return good, bad


def test_every_plain_tools_line_is_covered() -> None:
    tools = ("check-jsonschema", "ajv", "mock", "schemathesis", "bundle", "prism", "curl")
    assert len(LINES) == len(tools) and all(any(tool in line for line in LINES) for tool in tools)


def test_check_jsonschema_on_schemas(root: Path, bodies: tuple[Path, Path]) -> None:
    """Both bodies in one run (check-jsonschema takes several instance files): it names each failing file."""
    good, bad = bodies
    done = _bash(_command(_line("check-jsonschema"), **{"body.json": f"{good} {bad}"}), root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{bad}::$.license.trial: 'no' is not of type 'boolean'" in done.stdout, done.stdout
    assert str(good) not in done.stdout + done.stderr, "the good body passes"
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.skipif(not (NODE_BIN / "ajv").exists(), reason="npm tooling not installed (make test installs it)")
def test_ajv_on_schemas(root: Path, bodies: tuple[Path, Path]) -> None:
    good, bad = bodies
    done = _bash(_command(_line("ajv"), **{"body.json": str(good)}), root)
    assert done.returncode == 0 and "valid" in done.stdout, done.stdout + done.stderr
    done = _bash(_command(_line("ajv"), **{"body.json": str(bad)}), root)
    assert done.returncode == 1 and "instancePath: '/license/trial'" in done.stdout + done.stderr


def _schemathesis(root: Path, scratch: Path, caller: str, fault: str = "") -> subprocess.CompletedProcess[str]:
    port = free_port()
    user_id, token = CALLERS[caller]
    mock = _command(_line("rc-licenses-contract mock"), **{"3000": str(port)}) + (f" --fault {fault}" if fault else "")
    run = _command(
        _line("schemathesis"),
        **{
            "3000": str(port),
            "examples/schemathesis/schemathesis.toml": str(REPO / "examples" / "schemathesis" / "schemathesis.toml"),
            "rc-demo-auditor": user_id,
            "demo-auditor-token": token,
        },
    )
    # Run from elsewhere (Schemathesis keeps crash files in the working directory), on the file where it lies.
    run = run.replace(" run openapi.yaml ", f" run {root / 'openapi.yaml'} ")
    # As in a project where Schemathesis ran before: Hypothesis finds its UTF-8 table in ./.hypothesis
    # rather than spending a second computing it (the gate seeds its runs' folders with the same table).
    seed_tables(scratch / ".hypothesis")
    with _serving(mock, root, port):
        return _bash(run, scratch)


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_schemathesis_against_the_mock_for_every_demo_caller(caller: str, tmp_path: Path) -> None:
    done = _schemathesis(REPO, tmp_path, caller)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "No issues found" in done.stdout


def test_schemathesis_catches_a_violation_through_the_refs(root: Path, tmp_path: Path) -> None:
    """The self-test: the same line on a broken server fails, so the refs were resolved and applied."""
    done = _schemathesis(root, tmp_path, "auditor", fault="wrong-type")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "Response violates schema" in done.stdout and 'is not of type "boolean"' in done.stdout, done.stdout


@pytest.mark.skipif(not (NODE_BIN / "prism").exists(), reason="npm tooling not installed (make test installs it)")
def test_prism_validation_proxy_on_the_bundle(tmp_path: Path) -> None:
    mock_port, prism_port = free_port(), free_port()
    bundle = _command(_line("bundle"), **{"licenses-info.openapi.yaml": str(tmp_path / "licenses-info.openapi.yaml")})
    assert _bash(bundle, tmp_path).returncode == 0
    mock = _command(_line("rc-licenses-contract mock"), **{"3000": str(mock_port)})
    prism = _command(
        _line("prism"),
        **{"3000": str(mock_port), "4010": str(prism_port), "licenses-info": str(tmp_path / "licenses-info")},
    )
    curl = _command(_line("curl"), **{"4010": str(prism_port)})
    with _serving(mock, tmp_path, mock_port), _serving(prism, tmp_path, prism_port):
        broken = _bash(curl, tmp_path)
        healthy = _bash(curl.replace(" -H 'Prefer: fault=wrong-type'", ""), tmp_path)
    assert broken.stdout.startswith("HTTP/1.1 500"), broken.stdout
    assert re.search(r"(?im)^sl-violations: .*license.*trial.*must be boolean", broken.stdout), broken.stdout
    assert healthy.stdout.startswith("HTTP/1.1 200") and "sl-violations" not in healthy.stdout.lower()


def test_python_jsonschema_with_a_file_based_registry(root: Path, bodies: tuple[Path, Path]) -> None:
    """Both usual ways to hand python-jsonschema the folder: by file URI, or retrieving names from it."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    folder = root / "schemas"

    def resource(path: Path) -> Resource:
        return Resource.from_contents(json.loads(path.read_text()))

    by_uri = Registry().with_resources((path.as_uri(), resource(path)) for path in folder.glob("*.json"))
    entry = folder / "licenses-info-response.json"
    by_name = Registry(retrieve=lambda name: resource(folder / name))  # type: ignore[call-arg]
    validators = [
        Draft202012Validator({"$ref": entry.as_uri()}, registry=by_uri),
        Draft202012Validator(json.loads(entry.read_text()), registry=by_name),
    ]
    good, bad = (json.loads(path.read_text()) for path in bodies)
    for validator in validators:
        assert list(validator.iter_errors(good)) == []
        assert [list(error.absolute_path) for error in validator.iter_errors(bad)] == [["license", "trial"]]
