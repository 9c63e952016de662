"""``Policy.decide`` against the CLI's ``underwrite decide``, input forms, traces and errors."""

from __future__ import annotations

import json
import sys
import threading
from decimal import Decimal

import pytest

import underwrite
from conftest import KYC, RULES, SIGNALS, run_cli


@pytest.mark.parametrize("policy_file", ["starter.yaml", "challenger.yaml"])
def test_every_shipped_input_is_decided_as_the_cli_decides_it(cli, policy_file, payloads, kyc_inputs):
    policy = underwrite.Policy.load(RULES / policy_file)
    compared = refused = 0
    for signals in payloads:
        for kyc in [None, *kyc_inputs]:
            kyc_text = kyc.read_text() if kyc else None
            args = ["decide", "--policy", str(RULES / policy_file), str(signals)]
            args += ["--kyc", str(kyc)] if kyc else []
            cli_run = run_cli(cli, *args, check=False)
            try:
                decision = policy.decide(signals.read_bytes(), kyc=kyc_text, trace=True)
            except underwrite.UnderwriteError as error:
                # The CLI refuses the same input, with the same message after its file prefix.
                assert cli_run.returncode != 0
                assert cli_run.stderr.decode().rstrip().endswith(str(error))
                refused += 1
                continue
            assert cli_run.returncode == 0, cli_run.stderr
            assert json.loads(decision.to_json()) == json.loads(cli_run.stdout)
            compared += 1
    assert refused > 0
    assert compared >= len(payloads) * 5


def test_bytes_text_and_dict_are_one_input(starter):
    text = (SIGNALS / "risky.json").read_text()
    kyc = (KYC / "joe-exact.json").read_text()
    as_text = starter.decide(text, kyc=kyc)
    assert starter.decide(text.encode(), kyc=kyc.encode()) == as_text
    assert starter.decide(json.loads(text), kyc=json.loads(kyc)) == as_text
    assert starter.decide(bytearray(text.encode()), kyc=kyc) == as_text
    assert as_text != starter.decide(text)  # KYC matters to this policy
    # A JSON null is no KYC, as `"kyc": null` is in a batch line.
    assert starter.decide(text, kyc="null") == starter.decide(text, kyc=None) == starter.decide(text)


def test_a_decision_reads_as_its_json(starter):
    d = starter.decide((SIGNALS / "risky.json").read_text(), kyc=(KYC / "joe-exact.json").read_text())
    as_dict = d.to_dict()
    assert as_dict == json.loads(d.to_json())
    assert d.decision == as_dict["decision"] == "reject"
    assert d.score == as_dict["score"]
    assert d.reason_codes == [r["code"] for r in as_dict["reasons"]] == [r.code for r in d.reasons]
    assert [r.text for r in d.reasons] == [r["text"] for r in as_dict["reasons"]]
    assert (d.policy.name, d.policy.version, d.policy.sha256) == (
        starter.name,
        starter.version,
        starter.sha256,
    ) == tuple(as_dict["policy"][k] for k in ("name", "version", "hash"))
    assert d.signals_status == as_dict["signals_status"]
    assert d.trace is None and "trace" not in as_dict
    assert "reject" in repr(d) and "starter" in repr(d)
    assert len({d.reasons[0], d.reasons[0]}) == 1  # hashable


def test_traces_keep_amounts_exact(starter):
    d = starter.decide((SIGNALS / "banded.json").read_text(), trace=True)
    assert isinstance(d.trace, list) and d.trace
    assert {"kind", "id", "result", "read"} <= set(d.trace[0])
    numbers = [v for entry in d.trace for v in entry["read"].values() if isinstance(v, (int, float, Decimal))]
    assert numbers and not any(isinstance(v, float) for v in numbers)
    assert d.to_dict()["trace"] == d.trace


def test_bad_inputs_raise_typed_errors_with_the_library_s_messages(starter):
    with pytest.raises(underwrite.SignalsError, match="malformed JSON at line 1, column 2"):
        starter.decide("not json")
    with pytest.raises(underwrite.SignalsError, match="status"):
        starter.decide("{}")
    with pytest.raises(underwrite.KycError) as raised:
        starter.decide((SIGNALS / "clean.json").read_text(), kyc=(KYC / "bad_dob.json").read_text())
    assert raised.value.field and raised.value.field in str(raised.value)
    with pytest.raises(underwrite.KycError):
        starter.decide((SIGNALS / "clean.json").read_text(), kyc="[]")
    with pytest.raises(TypeError, match="signals: must be bytes, str or a JSON value"):
        starter.decide(object())
    with pytest.raises(underwrite.SignalsError, match="NaN is not a JSON number"):
        starter.decide({"amount": float("nan")})


DIVIDES = """name: divides
version: "1"
features:
  derived:
    - name: per_lender
      expr: "events_overdue_day30 / events_loan_disbursement_day30_institution_count"
knockouts:
  - id: ratio
    when: per_lender > 1
    outcome: reject
    reason: { code: RATIO, text: ratio }
"""


def test_a_rule_failing_at_run_time_is_a_decision_error_naming_it():
    policy = underwrite.Policy.from_yaml(DIVIDES)
    with pytest.raises(underwrite.DecisionError) as raised:
        policy.decide((SIGNALS / "clean.json").read_text())
    assert raised.value.rule == "per_lender"
    assert raised.value.kind == "division_by_zero"
    assert "per_lender" in str(raised.value)


def test_deciding_releases_the_gil(starter):
    """While one thread decides, another runs Python: a loop in the main thread advances during
    the native call. Holding the GIL would leave it at what one switch interval allows before
    the call starts (about 2,000 spins with a 0.1 ms interval, measured with ``json.dumps`` of a
    large list as the GIL-holding call), against hundreds of thousands while deciding runs
    detached."""
    payload = (SIGNALS / "risky.json").read_text()
    payloads = [payload] * 60_000
    started = threading.Event()

    def work():
        started.set()
        starter.decide_many(payloads)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0001)
    try:
        worker = threading.Thread(target=work)
        worker.start()
        started.wait()
        spins = 0
        while worker.is_alive():
            spins += 1
        worker.join()
    finally:
        sys.setswitchinterval(interval)
    assert spins > 50_000


def test_arrays_are_never_read_as_kyc_requests_or_records(starter):
    """serde would read a struct from an array by position; every KYC input must be an object."""
    payload = (SIGNALS / "clean.json").read_text()
    for kyc in (
        {"submitted": ["Joe", None, "Leo"], "authority": None},
        [{"first_name": "Joe", "last_name": "Leo"}, None, False],
        '{"submitted": {"first_name": "Joe", "last_name": "Leo"}, "authority": ["Joe", null, "Leo"]}',
    ):
        with pytest.raises(underwrite.KycError, match="invalid type: sequence"):
            starter.decide(payload, kyc=kyc)
