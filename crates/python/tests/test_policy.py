"""Loading policies, their identity, their own tests, and load errors."""

from __future__ import annotations

import hashlib
import json
import pickle

import pytest

import underwrite
from conftest import RULES, run_cli

BAD_POLICY = """name: bad
version: "1"
knockouts:
  - id: first
    when: nope > 1
    outcome: reject
    reason: { code: A, text: a }
  - id: second
    when: events_overdue_day30 >
    outcome: reject
    reason: { code: B, text: b }
"""


@pytest.mark.parametrize("name", ["starter.yaml", "challenger.yaml", "behaviour-scorecard.yaml"])
def test_identity_is_the_file_s(name):
    path = RULES / name
    policy = underwrite.Policy.load(path)
    assert policy.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    same = underwrite.Policy.from_yaml(path.read_text())
    assert (same.name, same.version, same.sha256) == (policy.name, policy.version, policy.sha256)
    assert underwrite.Policy.from_yaml(path.read_bytes()).sha256 == policy.sha256
    assert policy.id == underwrite.Policy.load(str(path)).id
    assert policy.id.sha256 == policy.sha256
    assert policy.name in repr(policy) and name in repr(policy)


def test_every_diagnostic_is_reported_with_file_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_POLICY)
    with pytest.raises(underwrite.PolicyError) as raised:
        underwrite.Policy.load(path)
    diagnostics = raised.value.diagnostics
    assert len(diagnostics) == 2
    first, second = diagnostics
    assert (first.file, first.line, first.rule) == (str(path), 5, "first")
    assert first.column is not None and "unknown feature `nope`" in first.message
    assert str(first).startswith(f"{path}:5:{first.column}: `first`: unknown feature `nope`")
    assert second.rule == "second" and second.line == 9
    assert [d.kind for d in diagnostics] == ["name", "syntax"]
    # The message lists each diagnostic in the form editors link to.
    assert str(raised.value).splitlines()[1:] == [f"  {d}" for d in diagnostics]
    assert str(raised.value).splitlines()[1].startswith(f"  {path}:5:")
    assert isinstance(raised.value, underwrite.UnderwriteError)

    with pytest.raises(underwrite.PolicyError) as from_text:
        underwrite.Policy.from_yaml(BAD_POLICY)
    assert [d.file for d in from_text.value.diagnostics] == [None, None]
    assert [(d.line, d.column) for d in from_text.value.diagnostics] == [
        (d.line, d.column) for d in diagnostics
    ]


def test_files_that_cannot_be_read_raise_os_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.yaml"):
        underwrite.Policy.load(tmp_path / "missing.yaml")
    with pytest.raises(OSError, match="not a regular file"):
        underwrite.Policy.load(tmp_path)
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"#" * (3 * 1024 * 1024))
    with pytest.raises(underwrite.PolicyError, match="larger than the limit of 1048576 bytes") as raised:
        underwrite.Policy.load(huge)
    assert [(d.file, d.kind) for d in raised.value.diagnostics] == [(str(huge), "file")]
    with pytest.raises(TypeError):
        underwrite.Policy.from_yaml(42)  # type: ignore[arg-type]


def test_the_shipped_policies_pass_their_own_tests_at_full_coverage():
    for name in ["starter.yaml", "challenger.yaml"]:
        run = underwrite.Policy.load(RULES / name).test()
        assert run.passed, run.failed
        assert len(run) == len(run.results) > 5
        assert all(r.passed and r.failures == [] for r in run.results)
        assert run.coverage["percent"] == 100.0
        assert run.coverage["covered"] == run.coverage["total"] > 0


def test_a_failing_test_says_what_differed():
    text = (RULES / "starter.yaml").read_text()
    assert "decision: approve" in text
    broken = text.replace("decision: approve", "decision: reject", 1)
    run = underwrite.Policy.from_yaml(broken, base_dir=RULES).test()
    assert not run.passed
    assert len(run.failed) == 1
    (failed,) = run.failed
    assert any("reject" in f and "approve" in f for f in failed.failures), failed.failures


FILE_TEST = """name: files
version: "1"
knockouts:
  - id: overdue
    when: events_overdue_day30 > 0
    outcome: reject
    reason: { code: OVERDUE, text: Overdue }
tests:
  - name: from a file
    signals: ../testdata/signals/clean.json
    expect: { decision: approve }
"""


def test_files_a_test_names_are_read_relative_to_the_policy():
    run = underwrite.Policy.from_yaml(FILE_TEST, base_dir=RULES).test()
    assert run.passed, run.failed
    without = underwrite.Policy.from_yaml(FILE_TEST).test()
    assert not without.passed
    assert without.failed[0].failures == [
        "../testdata/signals/clean.json: the test names a file, and this policy was not loaded "
        "from one: there is no directory to read it from"
    ]
    missing = underwrite.Policy.from_yaml(FILE_TEST.replace("clean.json", "nope.json"), base_dir=RULES).test()
    assert not missing.passed and "cannot read" in missing.failed[0].failures[0]


def test_a_policy_pickles_as_its_yaml_and_decides_the_same():
    """What Spark closures, multiprocessing and joblib rely on."""
    policy = underwrite.Policy.load(RULES / "starter.yaml")
    copy = pickle.loads(pickle.dumps(policy))
    assert (copy.name, copy.version, copy.sha256) == (policy.name, policy.version, policy.sha256)
    payload = (RULES.parent / "testdata" / "signals" / "risky.json").read_text()
    assert copy.decide(payload) == policy.decide(payload)
    assert copy.test().passed
    with_files = underwrite.Policy.from_yaml(FILE_TEST, base_dir=RULES)
    assert pickle.loads(pickle.dumps(with_files)).test().passed


# The table `crates/cli/tests/policy_tests_everywhere.rs` holds `underwrite test` and the
# service's reload gate to; here `Policy.test()` is held to `underwrite test` on it.
TABLE_HEAD = """name: files
version: "1"
knockouts:
  - id: overdue
    when: events_overdue_day30 > 0
    outcome: reject
    reason: { code: OVERDUE, text: Overdue }
  - id: kyc
    when: kyc.provided && kyc.result == "No Match"
    outcome: review
    reason: { code: KYC, text: KYC does not match }
tests:
"""


def table_case(name, signals, kyc, decision):
    kyc_line = f"    kyc: {kyc}\n" if kyc else ""
    return f"  - name: {name}\n    signals: {signals}\n{kyc_line}    expect: {{ decision: {decision} }}\n"


TABLE = {
    "files.yaml": [
        ("signals and kyc files", "clean.json", "kyc.json", "approve"),
        ("inline", '{"status": "COMPLETED", "resultCode": "SUCCESS", "result": {"events_overdue_day30": 2}}', None, "reject"),
        ("kyc no match", "clean.json", "kyc-no-match.json", "review"),
    ],
    "missing.yaml": [("missing file", "nope.json", None, "approve"), ("still runs", "clean.json", None, "approve")],
    "big.yaml": [("too large", "big.json", None, "approve"), ("kyc a directory", "clean.json", "sub", "approve")],
    "wrong.yaml": [("wrong expectation", "clean.json", "kyc.json", "review"), ("right", "clean.json", None, "approve")],
}


def test_policy_test_gives_what_underwrite_test_gives_files_included(cli, tmp_path):
    (tmp_path / "clean.json").write_text('{"status": "COMPLETED", "resultCode": "SUCCESS", "result": {"events_overdue_day30": 0}}')
    kyc = '{{"submitted": {{"first_name": "Joe", "last_name": "Leo"}}, "authority": {{"first_name": "Joe", "last_name": "{}"}}}}'
    (tmp_path / "kyc.json").write_text(kyc.format("Leo"))
    (tmp_path / "kyc-no-match.json").write_text(kyc.format("Xyzzyq"))
    (tmp_path / "big.json").write_bytes(b" " * (8 * 1024 * 1024 + 1))  # one byte over the cap
    (tmp_path / "sub").mkdir()
    for file, cases in TABLE.items():
        path = tmp_path / file
        path.write_text(TABLE_HEAD + "".join(table_case(*c) for c in cases))
        out = run_cli(cli, "test", "--format", "json", str(path), check=False)
        expected = [
            (t["name"], t["passed"], [f["message"] for f in t["failures"]])
            for t in json.loads(out.stdout)["policies"][0]["tests"]
        ]
        for policy in (
            underwrite.Policy.load(path),
            underwrite.Policy.from_yaml(path.read_text(), base_dir=tmp_path),
        ):
            run = policy.test()
            assert [(r.name, r.passed, r.failures) for r in run.results] == expected, file
            assert run.passed == all(passed for _, passed, _ in expected)
    big = underwrite.Policy.load(tmp_path / "big.yaml").test()
    assert big.failed[0].failures == [
        f"{tmp_path / 'big.json'}: input is larger than 8 MiB, the most a file a test names may be"
    ]
