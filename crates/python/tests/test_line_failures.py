"""``Policy.decide_arrow`` against ``underwrite batch`` on the table of line failures,
``testdata/line-failures.json``: the table ``crates/cli/tests/line_failures.rs`` holds
``underwrite batch``, the service's batch route and Arrow rows to, each error text being
``underwrite_core::line::LineFailure``'s. Here the rows a table's columns can carry (an object of
``id``, ``signals`` and ``kyc``) are decided by Python and compared with what ``underwrite
batch`` writes for the same lines."""

from __future__ import annotations

import json

import pyarrow as pa

from conftest import REPO, RULES, run_cli


def compact(rel: str) -> str:
    return json.dumps(json.loads((REPO / rel).read_text(encoding="utf-8")))


def table_cases():
    table = json.loads((REPO / "testdata" / "line-failures.json").read_text(encoding="utf-8"))
    clean = compact("testdata/signals/clean.json")
    joe = compact("testdata/kyc/joe-exact.json")
    cases = []
    for case in table["cases"]:
        if "text" in case:
            line = case["text"].replace("$clean", clean).replace("$joe", joe).encode()
        elif "hex" in case:
            line = bytes.fromhex(case["hex"])
        else:
            byte, count = case["repeat"]
            line = byte.encode() * count
        cases.append((case, line))
    return table["max_line_bytes"], cases


def carried(line: bytes):
    """The line as a row's cells, or None when columns cannot carry it."""
    try:
        value = json.loads(line)
    except ValueError:
        return None
    if not isinstance(value, dict) or not set(value) <= {"id", "signals", "kyc"}:
        return None
    if not isinstance(value.get("signals"), dict):
        return None
    if value.get("id") is not None and not isinstance(value["id"], str):
        return None
    return value


def test_decide_arrow_writes_batch_s_message_for_every_row_of_the_table(cli, starter):
    cap, cases = table_cases()
    body = b"".join(line + case.get("ending", "\n").encode() for case, line in cases)
    out = run_cli(
        cli, "batch", "--policy", str(RULES / "starter.yaml"), "--max-line-bytes", str(cap),
        stdin=body, check=False,
    )
    assert out.returncode == 1, out.stderr
    by_line = {}
    for text in out.stdout.decode().splitlines():
        line = json.loads(text)
        by_line[line["line"]] = line

    rows = [(number, case, carried(line)) for number, (case, line) in enumerate(cases, start=1)]
    rows = [(number, case, value) for number, case, value in rows if value is not None]
    assert {case["kind"] for _, case, _ in rows} == {"decided", "not_json", "refused"}
    table = pa.table(
        {
            "id": pa.array([value.get("id") for _, _, value in rows], pa.string()),
            "signals": pa.array([json.dumps(value["signals"]) for _, _, value in rows], pa.string()),
            "kyc": pa.array(
                [json.dumps(value["kyc"]) if "kyc" in value else None for _, _, value in rows],
                pa.string(),
            ),
        }
    )
    decided = starter.decide_arrow(table, kyc="kyc", id="id").to_pylist()
    for (number, case, _), row in zip(rows, decided):
        expected = by_line[number]
        if case["kind"] == "decided":
            assert row["error"] is None, (case["name"], row)
            assert row["decision"] == expected["decision"]["decision"], case["name"]
        else:
            assert row["error"] == expected["error"]["message"], case["name"]
