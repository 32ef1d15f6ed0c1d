"""For data teams who already run Dask or Spark: validate an iterable of raw records, merge the results.

`check_records` is a pure function: raw records (bytes or str, one response body each) in, one compact,
picklable dict out (counts, the records with findings, the violation and drift tables). Its result depends
only on its arguments; the only state it touches is the loader's per-process cache of the compiled
contract (compiled on a process's first call, reused after), so it runs anywhere a partition is processed.
`merge_results` combines the dicts of many partitions, in order; `validate_bag` does both on a Dask bag.

    from rc_licenses_contract.capture import check_records, merge_results
    parts = spark_rdd.mapPartitions(lambda rows: [check_records(rows)]).collect()
    report = merge_results(parts)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..loader import load_contract
from ..records import INVALID, VALID, RecordResult
from .checker import RecordChecker
from .formats.lines import UNPARSED, fast_scan
from .options import ValidateOptions
from .runner import exact_integers
from .violations import FIRST_SOURCES, ViolationTable

COUNTS = ("records", "valid", "invalid", "unreadable", "skipped", "warnings")


def check_records(
    records: Iterable[bytes | str],
    *,
    source: str = "records",
    response: str = "200",
    profile: str = "default",
    strict: bool = False,
    engine: str = "rs",
    root: Path | None = None,
) -> dict[str, Any]:
    """Validate raw response bodies; `source` names them in findings (`source:N`, N from 1)."""
    options = ValidateOptions(paths=[], response=response, profile=profile, strict=strict, engine=engine, root=root)
    contract = load_contract(root)
    checker = RecordChecker(options, contract)
    counts = dict.fromkeys(COUNTS, 0)
    kept: list[dict[str, Any]] = []
    table = ViolationTable()
    schema_uri = contract.responses.get(response)
    raws = (record.encode("utf-8", "surrogatepass") if isinstance(record, str) else bytes(record) for record in records)
    with exact_integers():
        if schema_uri is None:  # the status alone breaks the contract: every record takes the full path
            slow: list[tuple[int, bytes, Any]] = [(number, raw, UNPARSED) for number, raw in enumerate(raws, 1)]
        else:  # the JSON Lines fast path: what it proves valid is counted, nothing is built for it
            slow = []
            total, _ = fast_scan(checker, raws, 0, schema_uri, True, slow)
            counts["records"] = counts["valid"] = total - len(slow)
        for number, raw, parsed in slow:
            if not raw.strip():
                counts["skipped"] += 1
                continue

            def make(state: str, number: int = number) -> RecordResult:
                return RecordResult(source, state, response, line=number)

            if parsed is not UNPARSED:  # parsed exactly and found invalid: neither parse nor ask again
                result = checker.safely(make, checker.check_value, parsed, make, response, True)
            else:
                result = checker.safely(make, checker.check, raw, make, response)
            counts["records"] += 1
            counts["warnings"] += len(result.warnings)
            counts[result.state if result.state in (VALID, INVALID) else "unreadable"] += 1
            table.add(result)
            if result.state != VALID or result.warnings:
                kept.append(result.to_dict())
    tables = table.to_dict(counts["records"])
    return {**counts, "findings": kept, "violations": tables["violations"], "drift": tables["drift"]}


def _merge_rows(parts: Iterable[list[dict[str, Any]]], total: int, by_location: bool) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for part in parts:
        for row in part:
            key = ((row["schemaLocation"] or row["pointer"]) if by_location else row["pointer"], row["keyword"])
            merged = rows.get(key)
            if merged is None:
                rows[key] = {**row, "firstSources": list(row["firstSources"])}
                continue
            merged["occurrences"] += row["occurrences"]
            merged["records"] += row["records"]
            room = FIRST_SOURCES - len(merged["firstSources"])
            merged["firstSources"].extend(row["firstSources"][:room])
    for row in rows.values():
        row["share"] = round(row["records"] / total, 6) if total else 0.0
    return sorted(rows.values(), key=lambda r: (-r["records"], -r["occurrences"], r["pointer"], r["keyword"]))


def merge_results(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One result from many partitions' (in their order): counts summed, tables merged, shares recomputed."""
    parts = list(parts)
    counts = {key: sum(part[key] for part in parts) for key in COUNTS}
    total = counts["records"]
    return {
        **counts,
        "findings": [finding for part in parts for finding in part["findings"]],
        "violations": _merge_rows((part["violations"] for part in parts), total, by_location=True),
        "drift": _merge_rows((part["drift"] for part in parts), total, by_location=False),
        "passed": total > 0 and counts["invalid"] == 0 and counts["unreadable"] == 0,
    }


def validate_bag(bag: Any, **options: Any) -> dict[str, Any]:
    """A Dask bag of raw records (e.g. `dask.bag.read_text("s3://…/*.jsonl.gz")`) → one merged result.

    Each partition is named `partition-N` in findings; `options` are `check_records`' keywords."""
    import dask

    def partition(records: Iterable[bytes | str], index: int) -> list[dict[str, Any]]:
        return [check_records(records, source=f"partition-{index}", **options)]

    parts = [
        dask.delayed(partition)(part, index)  # type: ignore[attr-defined]
        for index, part in enumerate(bag.to_delayed())
    ]
    computed = dask.compute(*parts)  # type: ignore[attr-defined,no-untyped-call]
    return merge_results(result for [result] in computed)
