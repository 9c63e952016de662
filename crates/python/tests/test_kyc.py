"""``underwrite.kyc.match`` against ``underwrite kyc``, options, and errors."""

from __future__ import annotations

import json

import pytest

import underwrite
from underwrite import kyc
from conftest import KYC, run_cli


def requests():
    return [line for line in (KYC / "requests.jsonl").read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("options,flags", [({}, []), ({"lenient": True, "max_distance": 1, "length_scaled": True}, ["--lenient", "--max-distance", "1", "--length-scaled"])])
def test_every_request_is_matched_as_the_cli_matches_it(cli, options, flags):
    lines = requests()
    out = run_cli(cli, "kyc", "--jsonl", *flags, stdin="\n".join(lines).encode() + b"\n", check=False)
    expected = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(expected) == len(lines)
    matched = 0
    for request, want in zip(lines, expected):
        if "error" in want:
            with pytest.raises(underwrite.KycError) as raised:
                kyc.match(request, **options)
            assert want["error"]["message"] == str(raised.value)
        else:
            assert kyc.match(request, **options) == json.loads(json.dumps(want), parse_float=__import__("decimal").Decimal)
            matched += 1
    assert matched > 0


def test_inputs_and_errors():
    request = json.loads((KYC / "joe-exact.json").read_text())
    result = kyc.match(request)
    assert result["ResultText"] == "Exact Match"
    assert kyc.match(json.dumps(request)) == kyc.match(json.dumps(request).encode()) == result
    bad = dict(request, submitted=dict(request["submitted"], dob="2000-13-01"))
    with pytest.raises(underwrite.KycError) as raised:
        kyc.match(bad)
    assert raised.value.field == "submitted.dob"
    with pytest.raises(underwrite.KycError, match="invalid request"):
        kyc.match("[]")
    with pytest.raises(underwrite.KycError, match="max_distance"):
        kyc.match(request, max_distance=99)
