"""Results a human can read at scale: distinct violations and drift grouped with counts, shares and first
sources; `--max-findings` caps the listing, never the tables."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from .conftest import RunCli, cli_env
from .test_validate_cli import compact, seed

__all__ = ["seed"]


def capture(seed: dict[str, Any], count: int = 200) -> list[str]:
    """Every 4th record has a wrong trial, every 5th a wrong tag colour (in the 2nd tag), every 10th a new field."""
    lines = []
    for index in range(count):
        body = copy.deepcopy(seed)
        body["license"]["tags"].append({"name": "Extra", "color": "#000000"})
        if index % 4 == 0:
            body["license"]["trial"] = "yes"
        if index % 5 == 0:
            body["license"]["tags"][1]["color"] = 5
        if index % 10 == 0:
            body["license"]["newField"] = {"x": 1}
        lines.append(compact(body))
    return lines


def test_violations_and_drift_tables(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    (tmp_path / "a.jsonl").write_text("\n".join(capture(seed)) + "\n")
    (tmp_path / "b.json").write_text(json.dumps(copy.deepcopy(seed) | {"success": "no"}))
    done = run_cli("validate", "--format", "json", "-o", "report.json", "a.jsonl", "b.json")
    assert done.returncode == 1
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"]["records"] == 201
    rows = {(row["pointer"], row["keyword"]): row for row in report["violations"]}
    assert set(rows) == {("/license/trial", "type"), ("/license/tags/*/color", "type"), ("/success", "const")}
    trial = rows[("/license/trial", "type")]
    assert (trial["records"], trial["occurrences"]) == (50, 50)
    assert trial["share"] == round(50 / 201, 6)
    assert trial["firstSources"] == ["a.jsonl:1", "a.jsonl:5", "a.jsonl:9", "a.jsonl:13", "a.jsonl:17"]
    assert trial["schemaLocation"].endswith("license-info.json#/properties/trial/type")
    assert rows[("/license/tags/*/color", "type")]["records"] == 40
    assert rows[("/success", "const")]["firstSources"] == ["b.json"]
    assert [row["records"] for row in report["violations"]] == [50, 40, 1], "most records first"
    [drift] = report["drift"]
    assert (drift["pointer"], drift["records"], drift["share"]) == ("/license/newField", 20, round(20 / 201, 6))
    assert drift["firstSources"][:2] == ["a.jsonl:1", "a.jsonl:11"]
    text = run_cli("validate", "a.jsonl", "b.json").stdout
    assert "distinct violations: 3, by records affected" in text
    assert '  50 records (24.9%), 50 times: /license/trial [type]: "yes" is not of type "boolean"' in text
    assert "      first: a.jsonl:1, a.jsonl:5, a.jsonl:9, a.jsonl:13, a.jsonl:17" in text
    assert "undocumented properties (drift): 1, by records affected" in text
    assert "  20 records (10.0%), 20 times: /license/newField [additionalProperties]" in text
    strict = json.loads(run_cli("validate", "--strict", "--format", "json", "a.jsonl").stdout)
    assert [row["records"] for row in strict["drift"]] == [20], "with --strict, drift is still its own table"


def test_max_findings_caps_the_listing_not_the_tables(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    (tmp_path / "a.jsonl").write_text("\n".join(capture(seed)) + "\n")
    full = run_cli("validate", "a.jsonl").stdout
    capped = run_cli("validate", "--max-findings", "5", "a.jsonl").stdout
    listed = [line for line in capped.splitlines() if line.startswith(("error:", "warning:"))]
    assert 0 < len(listed) <= 5
    total = sum(line.startswith(("error:", "warning:")) for line in full.splitlines())
    assert total == 50 + 40 + 20
    assert f"… {total - len(listed)} more findings not listed (--max-findings 5)" in capped

    def tables(text: str) -> str:
        return text[text.index("distinct violations") : text.index("failed:")]

    assert tables(capped) == tables(full)
    report = json.loads(run_cli("validate", "--format", "json", "--max-findings", "5", "a.jsonl").stdout)
    listed_findings = sum(len(r["errors"]) + len(r["warnings"]) for r in report["records"])
    assert listed_findings <= 5 and report["recordsNotListed"] == 200 - len(report["records"])
    assert [row["records"] for row in report["violations"]] == [50, 40]
    assert report["summary"]["invalid"] == 80 and report["summary"]["records"] == 200


def test_github_step_summary(run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]) -> None:
    lines = capture(seed, 40)
    forged = copy.deepcopy(seed)
    forged["license"]["x|`\x1b[31m"] = 1
    (tmp_path / "a.jsonl").write_text("\n".join([*lines, compact(forged)]) + "\n")
    summary_file = tmp_path / "summary.md"
    summary_file.write_text("earlier steps\n")
    env = cli_env(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary_file))
    done = run_cli("validate", "a.jsonl", env=env)
    assert done.returncode == 1
    text = summary_file.read_text()
    assert text.startswith("earlier steps\n## licenses.info contract: captured bodies failed\n"), "appended"
    assert "| 41 | 25 | 16 | 0 | 0 |" in text
    assert "| 10 | 24.4% | /license/trial | type |" in text
    assert "| 1 | 2.4% | /license/x&#124;&#96;\\x1b&#91;31m | additionalProperties |" in text, text
    assert "\x1b" not in text
    assert "GITHUB_STEP_SUMMARY" not in done.stderr


def test_the_step_summary_renders_no_html_links_or_images_from_the_input(
    run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]
) -> None:
    """A capture's text lands in the job's summary page as text: no tracking image, no link to click."""
    forged = copy.deepcopy(seed)
    forged["license"]["trial"] = (
        '<img src="https://t.example/p.png"> ![i](https://t.example/i.png) [go](https://t.example)'
    )
    forged["license"]["<b>key</b>"] = 1
    (tmp_path / "a.json").write_text(compact(forged))
    summary_file = tmp_path / "summary.md"
    done = run_cli("validate", "a.json", env=cli_env(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary_file)))
    assert done.returncode == 1
    text = summary_file.read_text()
    assert "/license/trial" in text and "/license/&lt;b&gt;key&lt;~1b&gt;" in text, text
    for live in ("<img", "<b>", "![i](", "[go](", "](https://"):
        assert live not in text, (live, text)


def test_github_annotations_are_capped_and_say_how_many_were_left_out(
    run_cli: RunCli, tmp_path: Path, seed: dict[str, Any]
) -> None:
    """One workflow command per bad record would write 200 of them (a million for a big dump) into the job's
    log, where GitHub shows ten: at most 50 (or --max-findings), then one notice counting the rest."""
    bad = copy.deepcopy(seed)
    bad["license"]["trial"] = "yes"
    (tmp_path / "a.jsonl").write_text((compact(bad) + "\n") * 200)
    env = cli_env(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"))
    done = run_cli("validate", "a.jsonl", env=env)
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert done.returncode == 1 and len(annotations) == 50, len(annotations)
    assert "::notice title=licenses.info contract::150 more problems not annotated (at most 50)" in done.stdout
    assert "200 records, 0 valid, 200 invalid" in done.stdout, "the report itself counts every one"
    capped = run_cli("validate", "--max-findings", "5", "a.jsonl", env=env)
    assert len([line for line in capped.stdout.splitlines() if line.startswith("::error ")]) == 5
