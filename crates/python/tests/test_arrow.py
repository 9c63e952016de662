"""``Policy.decide_arrow`` against ``underwrite batch`` line for line, in every layout and
container, and every way a batch or a row can be wrong."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

import underwrite
from conftest import RULES, SIGNALS, generated, run_cli


@pytest.fixture(scope="module")
def applications(cli):
    """Generated applications plus hand-made bad ones, as batch lines."""
    lines = generated(cli, 1200)
    good = (SIGNALS / "clean.json").read_text()
    lines += [
        {"id": "bad-payload", "signals": {"code": "OK"}},
        {"id": "bad-kyc", "signals": json.loads(good), "kyc": {"submitted": {}}},
        {"id": "x" * 300, "signals": json.loads(good)},
        {"id": 12345, "signals": json.loads(good)},
        {"signals": json.loads(good)},
        # JSON arrays where objects belong are refused, never read by position.
        {"id": "positional-record", "signals": json.loads(good), "kyc": {"submitted": ["Joe", None, "Leo"], "authority": None}},
        {"id": "positional-request", "signals": json.loads(good), "kyc": [{"first_name": "Joe", "last_name": "Leo"}, None, False]},
        {"id": "payload-array", "signals": [200, "OK", "r1", json.loads(good)]},
    ]
    return lines


def batch_results(cli, policy: str, lines) -> list:
    text = "".join(json.dumps(line) + "\n" for line in lines)
    out = run_cli(cli, "batch", "--policy", str(RULES / policy), stdin=text.encode(), check=False)
    assert out.returncode in (0, 1), out.stderr
    return [json.loads(line) for line in out.stdout.decode().splitlines()]


def table_of(lines, string_type=pa.string()) -> pa.Table:
    ids = [line.get("id") for line in lines]
    return pa.table(
        {
            "id": pa.array([None if i is None else str(i) for i in ids], pa.string()),
            "signals": pa.array([json.dumps(line["signals"]) for line in lines], string_type),
            "kyc": pa.array(
                [json.dumps(line["kyc"]) if "kyc" in line else None for line in lines], string_type
            ),
        }
    )


def as_batch_line(row: dict) -> dict:
    """A decided row in the terms of a batch output line."""
    if row["error"] is not None:
        assert row["decision"] is None and row["score"] is None and row["reason_codes"] is None
        return {"error": row["error"]}
    return {
        "decision": row["decision"],
        "score": row["score"],
        "reasons": row["reason_codes"],
        "policy": row["policy_sha256"],
    }


def expected_line(result: dict) -> dict:
    if "error" in result:
        return {"error": result["error"]["message"]}
    d = result["decision"]
    return {
        "decision": d["decision"],
        "score": d.get("score"),
        "reasons": [r["code"] for r in d["reasons"]],
        "policy": d["policy"]["hash"],
    }


@pytest.mark.parametrize("policy_file", ["starter.yaml", "challenger.yaml"])
@pytest.mark.parametrize(
    "string_type", [pa.string(), pa.large_string(), pa.binary(), pa.large_binary(), pa.string_view()], ids=str
)
def test_every_row_is_decided_as_batch_decides_its_line(cli, applications, policy_file, string_type):
    # The id column is text: lines with a number id are compared in the integer-id test below.
    lines = [line for line in applications if not isinstance(line.get("id"), int)]
    expected = [expected_line(r) for r in batch_results(cli, policy_file, lines)]
    policy = underwrite.Policy.load(RULES / policy_file)
    decided = policy.decide_arrow(table_of(lines, string_type), kyc="kyc", id="id")
    assert isinstance(decided, pa.Table)
    rows = [as_batch_line(row) for row in decided.to_pylist()]
    assert rows == expected
    assert sum("error" in r for r in rows) >= 3


def test_integer_ids_are_checked_and_decided_as_batch_reads_number_ids(cli, applications, starter):
    lines = [dict(line, id=i * 7919) for i, line in enumerate(applications[:200])]
    expected = [expected_line(r) for r in batch_results(cli, "starter.yaml", lines)]
    table = table_of(lines).set_column(0, "id", pa.array([line["id"] for line in lines], pa.int64()))
    rows = starter.decide_arrow(table, kyc="kyc", id="id").to_pylist()
    assert [as_batch_line(row) for row in rows] == expected


def test_containers_give_their_own_kind_back(starter, applications):
    table = table_of(applications[:300])
    chunked = pa.concat_tables([table.slice(0, 100), table.slice(100, 150), table.slice(250)])
    assert chunked.column("signals").num_chunks == 3
    whole = starter.decide_arrow(table, kyc="kyc", id="id")
    assert whole.column_names == table.column_names + list(underwrite.OUTPUT_COLUMNS)
    assert starter.decide_arrow(chunked, kyc="kyc", id="id").to_pylist() == whole.to_pylist()

    batch = table.to_batches()[0]
    one = starter.decide_arrow(batch, kyc="kyc", id="id")
    assert isinstance(one, pa.RecordBatch)
    assert one.to_pylist() == whole.slice(0, batch.num_rows).to_pylist()

    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
    assert starter.decide_arrow(reader, kyc="kyc", id="id").read_all().to_pylist() == whole.to_pylist()

    empty = starter.decide_arrow(table.slice(0, 0), kyc="kyc", id="id")
    assert empty.num_rows == 0 and empty.schema == whole.schema


def test_the_output_columns_are_typed_as_documented(starter, applications):
    decided = starter.decide_arrow(table_of(applications[:50]), kyc="kyc")
    schema = decided.schema
    assert schema.field("decision").type == pa.dictionary(pa.int8(), pa.string())
    assert schema.field("score").type == pa.int32()
    assert schema.field("reason_codes").type == pa.list_(pa.string())
    assert schema.field("policy_sha256").type == pa.string()
    assert schema.field("error").type == pa.string()
    assert set(decided.column("policy_sha256").to_pylist()) == {starter.sha256}
    assert set(decided.column("decision").to_pylist()) <= {"approve", "review", "reject", None}


def test_bad_rows_fill_their_error_and_the_rest_are_decided(starter):
    good = (SIGNALS / "clean.json").read_bytes()
    table = pa.table(
        {
            "signals": pa.array([good, None, b"{nope", b"\xff\xfe", good], pa.binary()),
            "kyc": pa.array([None, None, None, None, "not json"], pa.string()),
            "id": pa.array([1, 2, 3, None, 5], pa.int64()),
        }
    )
    rows = starter.decide_arrow(table, kyc="kyc", id="id").to_pylist()
    assert rows[0]["error"] is None and rows[0]["decision"] == starter.decide(good).decision
    assert rows[1]["error"] == "`signals` is null"
    assert rows[2]["error"].startswith("`signals` is not JSON: ")
    assert rows[3]["error"] == "`signals` is not UTF-8 (invalid byte at position 1)"
    assert rows[4]["error"].startswith("`kyc` is not JSON: ")


def test_a_batch_of_the_wrong_shape_raises_column_error(starter):
    good = (SIGNALS / "clean.json").read_text()
    table = pa.table({"payload": [good]})
    with pytest.raises(underwrite.ColumnError, match=r"no column `signals` \(the batch has: payload\)"):
        starter.decide_arrow(table)
    assert starter.decide_arrow(table, signals="payload").column("decision").to_pylist() == [
        starter.decide(good).decision
    ]
    with pytest.raises(underwrite.ColumnError, match="must hold JSON text"):
        starter.decide_arrow(pa.table({"signals": [1.5]}))
    with pytest.raises(underwrite.ColumnError, match="an id column must hold text or integers"):
        starter.decide_arrow(pa.table({"signals": [good], "id": [1.5]}), id="id")
    with pytest.raises(underwrite.ColumnError, match="already has a column `score`"):
        starter.decide_arrow(pa.table({"signals": [good], "score": [1]}))
    with pytest.raises(underwrite.ColumnError, match="2 columns named `signals`"):
        starter.decide_arrow(pa.Table.from_arrays([pa.array([good]), pa.array([good])], ["signals", "signals"]))
    with pytest.raises(ValueError):  # ColumnError is a ValueError too
        starter.decide_arrow(pa.table({"signals": [good]}), kyc="missing")
    with pytest.raises(TypeError, match="must be Arrow data"):
        starter.decide_arrow([{"signals": good}])


def test_arrays_that_break_arrow_s_rules_are_refused_not_read(starter):
    """A producer whose utf8 column holds bytes that are not UTF-8 (pyarrow's cheap validation
    lets it through): refused before any row is read, whichever way it comes in."""
    data = pa.py_buffer(b"\xff\xfe")
    offsets = pa.py_buffer(pa.array([0, 2], pa.int32()).buffers()[1])
    broken = pa.Array.from_buffers(pa.string(), 1, [None, offsets, data])
    with pytest.raises(pa.ArrowInvalid):
        broken.validate(full=True)
    with pytest.raises(underwrite.ColumnError, match="(?i)utf-?8"):
        starter.decide_arrow(pa.RecordBatch.from_arrays([broken], ["signals"]))
    with pytest.raises(underwrite.ColumnError, match="(?i)utf-?8"):
        starter.decide_arrow(pa.Table.from_arrays([broken], ["signals"]))
    reader = pa.RecordBatchReader.from_batches(
        pa.schema([("signals", pa.string())]), [pa.RecordBatch.from_arrays([broken], ["signals"])]
    )
    with pytest.raises(pa.ArrowInvalid, match="(?i)utf-?8"):
        starter.decide_arrow(reader).read_all()


def test_a_reader_is_decided_lazily_batch_by_batch(starter, applications):
    """A RecordBatchReader gives a RecordBatchReader: nothing is read or decided until the
    output is read, and then one batch at a time (memory stays one batch deep)."""
    table = table_of(applications[:300])
    pulled = []

    def batches():
        for i, batch in enumerate(table.to_batches(max_chunksize=100)):
            pulled.append(i)
            yield batch

    reader = pa.RecordBatchReader.from_batches(table.schema, batches())
    decided = starter.decide_arrow(reader, kyc="kyc", id="id")
    assert isinstance(decided, pa.RecordBatchReader)
    assert pulled == []
    first = decided.read_next_batch()
    assert pulled == [0] and first.num_rows == 100
    rest = decided.read_all()
    assert pulled == [0, 1, 2]
    whole = starter.decide_arrow(table, kyc="kyc", id="id")
    assert pa.Table.from_batches([first]).to_pylist() + rest.to_pylist() == whole.to_pylist()
    with pytest.raises(underwrite.ColumnError):  # the shape is checked before anything is read
        starter.decide_arrow(pa.RecordBatchReader.from_batches(table.schema, iter([])), signals="nope")


def test_a_json_null_kyc_cell_is_no_kyc(starter):
    good = (SIGNALS / "clean.json").read_text()
    table = pa.table({"signals": [good] * 3, "kyc": ["null", " null ", None]})
    rows = starter.decide_arrow(table, kyc="kyc").to_pylist()
    want = starter.decide(good)
    assert [(r["decision"], r["score"], r["reason_codes"], r["error"]) for r in rows] == [
        (want.decision, want.score, want.reason_codes, None)
    ] * 3
