"""Remote inputs through fsspec URLs, against real servers on 127.0.0.1: moto's S3 server (reached through
AWS_ENDPOINT_URL, as any S3-compatible store would be) and a plain HTTP server; `file://` URLs too."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest

from .conftest import RunCli, cli_env
from .test_validate_cli import broken, compact, har_entry, no_traceback, seed

__all__ = ["seed"]

SECRET = "canary-aws-secret-9f3e1c"


@pytest.fixture
def s3_env(s3_endpoint: str) -> dict[str, str]:
    return cli_env(
        AWS_ENDPOINT_URL=s3_endpoint,
        AWS_ACCESS_KEY_ID="canary-key-id",
        AWS_SECRET_ACCESS_KEY=SECRET,
        AWS_DEFAULT_REGION="us-east-1",
    )


@pytest.fixture
def bucket(s3_env: dict[str, str], seed: dict[str, Any], request: pytest.FixtureRequest) -> str:
    client = boto3.client(
        "s3",
        endpoint_url=s3_env["AWS_ENDPOINT_URL"],
        aws_access_key_id="canary-key-id",
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    name = "captures-" + str(request.node.name).lower().replace("_", "-")[:40]
    client.create_bucket(Bucket=name)
    lines = (compact(seed) + "\n" + compact(broken(seed)) + "\n").encode()
    har = {"log": {"entries": [har_entry("https://x/api/v1/licenses.info", 200, compact(broken(seed)))]}}
    whole = gzip.compress(((compact(seed) + "\n") * 3000).encode())
    objects = {
        "2026/11/a.jsonl": lines,
        "2026/11/b.jsonl.gz": gzip.compress(lines),
        "2026/12/c.har": json.dumps(har).encode(),
        "2026/12/notes.txt": b"not a capture",
        "2026/12/d.json": json.dumps(seed).encode(),
        "broken/truncated.jsonl.gz": whole[: len(whole) // 2],
        "broken/e.json": json.dumps(seed).encode(),
    }
    for key, body in objects.items():
        client.put_object(Bucket=name, Key=key, Body=body)
    return name


def assert_no_secret(done: Any) -> None:
    assert SECRET not in done.stdout + done.stderr


def test_s3_prefix_glob_and_single_object(run_cli: RunCli, s3_env: dict[str, str], bucket: str) -> None:
    done = run_cli("validate", f"s3://{bucket}/2026/", env=s3_env)
    no_traceback(done)
    assert_no_secret(done)
    errors = sorted(line.split("::")[0] for line in done.stdout.splitlines() if line.startswith("error:"))
    assert errors == [
        f"error: s3://{bucket}/2026/11/a.jsonl:2",
        f"error: s3://{bucket}/2026/11/b.jsonl.gz:2",
        f"error: s3://{bucket}/2026/12/c.har#entry0[status=200]",
    ], done.stdout
    assert "failed: 6 records, 3 valid, 3 invalid, 0 unreadable" in done.stdout, done.stdout
    globbed = run_cli("validate", "--format", "json", f"s3://{bucket}/2026/*/*.jsonl*", env=s3_env)
    report = json.loads(globbed.stdout)
    assert sorted({r["source"] for r in report["records"]}) == [
        f"s3://{bucket}/2026/11/a.jsonl",
        f"s3://{bucket}/2026/11/b.jsonl.gz",
    ]
    single = run_cli("validate", f"s3://{bucket}/2026/12/d.json", env=s3_env)
    assert single.returncode == 0 and "passed: 1 records, 1 valid" in single.stdout


def test_s3_bad_objects_are_one_line_each(run_cli: RunCli, s3_env: dict[str, str], bucket: str) -> None:
    done = run_cli("validate", f"s3://{bucket}/broken/", env=s3_env)
    no_traceback(done)
    assert_no_secret(done)
    assert done.returncode == 1
    [line] = [line for line in done.stdout.splitlines() if line.startswith("unreadable:")]
    assert line.startswith(f"unreadable: s3://{bucket}/broken/truncated.jsonl.gz:") and "gzip data broken" in line
    report = json.loads(run_cli("validate", "--format", "json", f"s3://{bucket}/broken/", env=s3_env).stdout)
    states = {(r["source"].rsplit("/", 1)[1], r["state"]) for r in report["records"]}
    assert ("e.json", "valid") in states, "the run went on after the broken object"
    assert report["summary"]["unreadable"] == 1 and report["summary"]["passed"] is False
    missing = run_cli("validate", f"s3://{bucket}/nothing-here.json", env=s3_env)
    assert missing.returncode == 2 and "nothing-here.json: no such file or folder" in missing.stderr
    denied = run_cli("validate", "s3://no-such-bucket-anywhere/x/", env=s3_env)
    no_traceback(denied)
    assert denied.returncode in (1, 2) and denied.stderr.count("\n") + denied.stdout.count("unreadable:") >= 1
    assert_no_secret(denied)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def web_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "web"
    root.mkdir()

    def handler(*args: Any) -> _Handler:
        return _Handler(*args, directory=str(root))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


def test_http_and_file_urls(run_cli: RunCli, tmp_path: Path, web_root: tuple[str, Path], seed: dict[str, Any]) -> None:
    address, root = web_root
    (root / "dump.jsonl.gz").write_bytes(gzip.compress((compact(seed) + "\n" + compact(broken(seed)) + "\n").encode()))
    done = run_cli("validate", f"http://reader:{SECRET}@{address}/dump.jsonl.gz")
    no_traceback(done)
    assert_no_secret(done)
    assert done.returncode == 1
    assert f"error: http://***@{address}/dump.jsonl.gz:2::/license/trial" in done.stdout, done.stdout
    missing = run_cli("validate", f"http://reader:{SECRET}@{address}/missing.jsonl")
    assert missing.returncode == 2 and "missing.jsonl" in missing.stderr
    refused = run_cli("validate", f"http://reader:{SECRET}@127.0.0.1:1/dump.jsonl")
    no_traceback(refused)
    assert refused.returncode in (1, 2) and "127.0.0.1:1" in refused.stdout + refused.stderr
    for run in (missing, refused):
        assert_no_secret(run)
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "a.json").write_text(json.dumps(seed))
    (tmp_path / "local" / "b.json").write_text(json.dumps(broken(seed)))
    local = run_cli("validate", f"file://{tmp_path}/local/*.json")
    assert local.returncode == 1 and "failed: 2 records, 1 valid, 1 invalid" in local.stdout
    refused = run_cli("validate", "-o", str(tmp_path / "local" / "a.json"), f"file://{tmp_path}/local/")
    assert refused.returncode == 2 and "would overwrite an input" in refused.stderr


def test_a_store_echoing_the_url_password_into_the_body_leaks_it_nowhere(
    run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]
) -> None:
    """The body of `https://user:pass@…` may quote the store's own HTTP Basic header (an echo endpoint, a
    proxy's error page): every report and the step summary mask it, whatever its encoding."""
    from urllib.parse import quote

    from .canary import URL_PASSWORD, scan
    from .hostile import Conn, HostileServer, Request, json_response

    def echo(request: Request, conn: Conn) -> None:
        basic = request.headers.get("authorization", "")
        body = json.loads(json.dumps(broken(seed)))
        body["license"]["trial"] = basic  # "Basic <base64 of user:password>"
        body["license"]["tags"] = [{"name": URL_PASSWORD, "color": quote(URL_PASSWORD, safe="")}]
        conn.send(json_response(200, body))

    summary = tmp_path / "summary.md"
    with HostileServer(echo).running() as server:
        url = server.base.replace("http://", f"http://reader:{quote(URL_PASSWORD, safe='')}@") + "/body.json"
        runs = [
            run_cli("validate", "--format", report, "--github", url, env=cli_env(GITHUB_STEP_SUMMARY=str(summary)))
            for report in ("text", "json", "junit")
        ]
    for done in runs:
        no_traceback(done)
        assert done.returncode == 1, done.stderr
        assert "/license/trial" in done.stdout + done.stderr
        assert scan(done.stdout, done.stderr, summary.read_text()) == []
