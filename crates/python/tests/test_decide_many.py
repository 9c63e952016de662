"""``Policy.decide_many``: one decision per item, in order, equal to ``decide``; failures."""

from __future__ import annotations

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
    with pytest.raises(ValueError, match='errors must be "raise" or "return"'):
        starter.decide_many([good], errors="ignore")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="each payload"):
        starter.decide_many([good, object()])
    with pytest.raises(TypeError):
        starter.decide_many(42)  # type: ignore[arg-type]
