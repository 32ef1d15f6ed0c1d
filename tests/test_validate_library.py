"""The library entry for data teams: a pure function over raw records, a merge, and a Dask bag helper."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

from rc_licenses_contract.capture import check_records, merge_results, validate_bag

from .test_validate_cli import broken, compact, seed

__all__ = ["seed"]


def raw_records(seed: dict[str, Any]) -> list[bytes | str]:
    drifted = copy.deepcopy(seed)
    drifted["license"]["newField"] = 1
    return [
        compact(seed).encode(),
        compact(broken(seed)),  # str works too
        b"{oops",
        b"",
        json.dumps(drifted, indent=2).encode(),  # a pretty body: records are not lines
        compact(seed).replace('"max":235', '"max":' + "9" * 5000, 1).encode(),
    ]


def test_check_records_is_compact_and_picklable(seed: dict[str, Any]) -> None:
    result = check_records(raw_records(seed), source="batch-7")
    counts = {key: result[key] for key in ("records", "valid", "invalid", "unreadable", "skipped", "warnings")}
    assert counts == {"records": 5, "valid": 3, "invalid": 1, "unreadable": 1, "skipped": 1, "warnings": 1}
    assert [(f["line"], f["state"]) for f in result["findings"]] == [(2, "invalid"), (3, "unreadable"), (5, "valid")]
    assert result["findings"][0]["source"] == "batch-7"
    [violation] = result["violations"]
    assert (violation["pointer"], violation["records"], violation["firstSources"]) == (
        "/license/trial",
        1,
        ["batch-7:2"],
    )
    assert result["drift"][0]["pointer"] == "/license/newField"
    assert pickle.loads(pickle.dumps(result)) == result
    assert pickle.loads(pickle.dumps(check_records)) is check_records


def test_merge_and_dask_bag_agree_with_one_pass(seed: dict[str, Any]) -> None:
    import dask  # here, not at the top: every worker collects this module, and Dask takes 0.25 s to import
    import dask.bag

    records = raw_records(seed) * 4
    whole = check_records(records)
    parts = [check_records(records[i : i + 6], source=f"partition-{i // 6}") for i in range(0, len(records), 6)]
    merged = merge_results(parts)
    for key in ("records", "valid", "invalid", "unreadable", "skipped", "warnings"):
        assert merged[key] == whole[key], key
    for table in ("violations", "drift"):
        assert [(r["pointer"], r["records"], r["occurrences"], r["share"]) for r in merged[table]] == [
            (r["pointer"], r["records"], r["occurrences"], r["share"]) for r in whole[table]
        ]
    assert merged["violations"][0]["firstSources"] == [f"partition-{n}:2" for n in range(4)]
    assert merged["passed"] is False
    with dask.config.set(scheduler="sync"):
        bagged = validate_bag(dask.bag.from_sequence(records, npartitions=4))  # type: ignore[no-untyped-call]
    assert bagged == merged
