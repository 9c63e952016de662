"""``Policy.decide_many``: one decision per item, in order, equal to ``decide``; failures."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

import underwrite
from conftest import KYC, SIGNALS


@pytest.fixture(scope="module")
def items():
    payloads = [p.read_text() for p in sorted(SIGNALS.glob("*.json")) if p.name != "processing.json"]
    kycs = [None, (KYC / "joe-exact.json").read_text(), (KYC / "partial.json").read_text()]
    return [(p, k) for p in payloads for k in kycs] * 7


def test_each_item_is_decided_as_decide_decides_it(starter, items):
    payloads = [p for p, _ in items]
    kycs = [k for _, k in items]
    many = starter.decide_many(payloads, kycs=kycs, errors="return")
    assert len(many) == len(items)
    for (payload, kyc), got in zip(items, many):
        try:
            want = starter.decide(payload, kyc=kyc)
        except underwrite.UnderwriteError as error:
            assert type(got) is type(error)
            assert str(got).endswith(str(error))
        else:
            assert got == want
    assert all(isinstance(d, underwrite.Decision) for d in starter.decide_many(payloads[:3]))
    traced = starter.decide_many(payloads[:2], trace=True)
    assert all(d.trace for d in traced)
    assert starter.decide_many([]) == []
    assert starter.decide_many(p for p in payloads[:2]) == starter.decide_many(payloads[:2])


def test_a_failed_item_raises_naming_its_index_or_takes_its_place():
    policy = underwrite.Policy.load(SIGNALS.parent.parent / "rules" / "starter.yaml")
    good = (SIGNALS / "clean.json").read_text()
    payloads = [good, good, "{}", good, "nope"]
    with pytest.raises(underwrite.SignalsError) as raised:
        policy.decide_many(payloads)
    assert raised.value.index == 2
    assert str(raised.value).startswith("item 2: ")

    returned = policy.decide_many(payloads, errors="return")
    assert [type(r).__name__ for r in returned] == ["Decision", "Decision", "SignalsError", "Decision", "SignalsError"]
    assert [getattr(r, "index", None) for r in returned] == [None, None, 2, None, 4]

    kycs = [None, (KYC / "bad_dob.json").read_text(), None, None, None]
    returned = policy.decide_many(payloads[:2], kycs=kycs[:2], errors="return")
    assert isinstance(returned[1], underwrite.KycError) and returned[1].field


def test_arguments_are_checked_before_anything_is_decided(starter):
    good = (SIGNALS / "clean.json").read_text()
    with pytest.raises(ValueError, match="kycs has 1 items and payloads 2"):
        starter.decide_many([good, good], kycs=[None])
    with pytest.raises(ValueError, match="kycs has 0 items and payloads 2"):
        starter.decide_many([good, good], kycs=[])
    for one in [good, good.encode(), json.loads(good)]:
        with pytest.raises(TypeError, match="not one payload"):
            starter.decide_many(one)
    with pytest.raises(ValueError, match='errors must be "raise" or "return"'):
        starter.decide_many([good], errors="ignore")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="item 1: signals: must be bytes, str or a JSON value") as raised:
        starter.decide_many([good, object()])
    assert raised.value.index == 1
    with pytest.raises(TypeError):
        starter.decide_many(42)  # type: ignore[arg-type]


def test_a_value_json_cannot_hold_is_its_item_s_failure(starter):
    good = (SIGNALS / "clean.json").read_text()
    nan = json.loads(good)
    nan["data"]["items"][0]["value"] = float("nan")
    deep: list = []
    for _ in range(200):
        deep = [deep]
    returned = starter.decide_many(
        [good, nan, "\ud800", {"data": deep}, object(), good], errors="return"
    )
    kinds = [type(r).__name__ for r in returned]
    assert kinds == ["Decision", "SignalsError", "SignalsError", "SignalsError", "TypeError", "Decision"]
    assert "NaN is not a JSON number" in str(returned[1])
    assert "lone surrogate" in str(returned[2])
    assert "nested more than 64 deep" in str(returned[3])
    assert [getattr(r, "index", None) for r in returned] == [None, 1, 2, 3, 4, None]
    kyc_refused = starter.decide_many([good], kycs=[{"submitted": float("inf")}], errors="return")
    assert isinstance(kyc_refused[0], underwrite.KycError)


def test_dicts_with_decimals_are_the_same_input_as_their_text(starter):
    """json.loads(text, parse_float=Decimal) gives the same decision as the text: decimals are
    written with their exact digits, never through a float."""
    for path in sorted(SIGNALS.glob("*.json")):
        if path.name == "processing.json":
            continue
        text = path.read_text()
        as_decimals = json.loads(text, parse_float=Decimal)
        try:
            want = starter.decide(text, trace=True)
        except underwrite.UnderwriteError as error:
            with pytest.raises(type(error), match=re.escape(str(error))):
                starter.decide(as_decimals, trace=True)
        else:
            assert starter.decide(as_decimals, trace=True) == want, path.name
