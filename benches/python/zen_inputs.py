"""zen-engine's input objects for ``benches/zen/starter.jdm.json``, built in Python.

The graph reads a flat object (see ``benches/src/decide_data/zen.rs``, whose ``ZenStarter::input``
this module mirrors)::

    {"status": "SUCCESS",
     "kyc": {"provided": true, "result": "Exact Match", "code": "1020", "names": "Exact Match"},
     "signals": {"events_overdue_day30": 0, "events_overdue_days_since_last": "never",
                 "events_debt_day90_amount": "A3", "events_overdue_day30_days": null, ...}}

The twelve signals are given as underwrite's normalizer gives them (``crates/signals/src/normalize.rs``
and ``catalog.rs``): absent -> ``null`` (missing); ``null`` -> 0 for a count or an institution
count, ``"never"`` for a days-since-last, ``null`` (missing) for an amount or a days measure; a
number -> that exact decimal; a catalog band (``"A0"`` .. ``"A99"``) -> the band's text; a
numeric string -> that number. Unless the provider's ``resultCode`` is ``SUCCESS`` every signal is
missing. Payloads the normalizer refuses (negative or fractional counts, bad bands, duplicates,
...) are not handled here: ``underwrite batch`` refuses them too, and the benchmark leaves them
out. ``check_against_cli`` compares this module with ``underwrite features`` (the Rust normalizer
itself) on real payloads.

The KYC facts (``result``, ``code``, ``names``) come from ``underwrite kyc --jsonl`` (the Rust
matcher, with the default configuration that ``KycFacts::from_json`` uses) for KYC *requests*, and
straight from the fields of a KYC *result*.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional, Sequence

#: The signals the starter policy reads (its ``features.aliases`` targets), as the graph names them.
SIGNALS: tuple[str, ...] = (
    "events_overdue_day30",
    "events_overdue_day30_days",
    "events_overdue_day90",
    "events_overdue_day180",
    "events_overdue_day90_institution_count",
    "events_overdue_days_since_last",
    "events_application_reception_day30",
    "events_application_reception_day30_institution_count",
    "events_loan_disbursement_day30_institution_count",
    "events_loan_disbursement_day180",
    "events_successful_repayment_day30",
    "events_debt_day90_amount",
)

#: A catalog band in its canonical form (``catalog::BAND_FORM``): letter A, level 0..99.
BAND = re.compile(r"A(?:0|[1-9][0-9]?)")

#: The normalized value "never happened" (a days-since-last's null); ``None`` means missing.
NEVER = "never"


def null_meaning(signal: str) -> Any:
    """The value a JSON ``null`` stands for, by the signal's kind (``SignalKind::null_meaning``).

    The kind comes from the name's suffix as in ``catalog::SignalName::parse``: a count or an
    institution count's null is 0, a days-since-last's is "never", an amount's or a days
    measure's is missing (``None``).
    """
    if signal.endswith("_days_since_last"):
        return NEVER
    if signal.endswith("_amount") or signal.endswith("_days"):
        return None
    return 0


def normalize_value(signal: str, value: Any) -> Any:
    """One signal's value as the normalizer gives it (for a payload the normalizer accepts).

    ``value`` is the JSON value parsed with ``parse_float=Decimal``, so numbers stay exact.
    """
    if value is None:
        return null_meaning(signal)
    if isinstance(value, str):
        if BAND.fullmatch(value):
            return value
        return Decimal(value)
    return value


def provider_signals(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The ``resultCode`` and the ``{name: value}`` signals of a payload of either shape.

    Full envelope (``{"code", "message", "data": {...}}``) or its ``data`` alone; signals in
    ``items`` (``[{name, value, valueType}]``) or ``result`` (``{name: value}``). Only a
    ``SUCCESS`` payload's signals are read.
    """
    data = payload["data"] if isinstance(payload.get("data"), dict) else payload
    status = data.get("resultCode")
    if status != "SUCCESS":
        return status, {}
    if isinstance(data.get("items"), list):
        return status, {item["name"]: item.get("value") for item in data["items"]}
    return status, dict(data.get("result") or {})


def normalized_signals(payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The status and the twelve normalized values (``None`` = missing) of one payload."""
    status, raw = provider_signals(payload)
    values = {
        name: (normalize_value(name, raw[name]) if name in raw else None) for name in SIGNALS
    }
    return status, values


def kyc_facts(result: Optional[dict[str, Any]]) -> dict[str, Any]:
    """The graph's ``kyc`` object from a KYC result (``None``: no KYC was run)."""
    if result is None:
        return {"provided": False, "result": None, "code": None, "names": None}
    return {
        "provided": True,
        "result": result["ResultText"],
        "code": result["ResultCode"],
        "names": result["Actions"]["Names"],
    }


def match_kyc(underwrite: str, kycs: Sequence[Optional[dict[str, Any]]]) -> list[Optional[dict]]:
    """KYC results for each application's KYC input (a request, a result, or ``None``).

    Requests (they have ``submitted``) are matched in one ``underwrite kyc --jsonl`` run; results
    are kept as they are.
    """
    requests = [i for i, k in enumerate(kycs) if k is not None and "submitted" in k]
    results: list[Optional[dict]] = [
        k if k is not None and "submitted" not in k else None for k in kycs
    ]
    if not requests:
        return results
    text = "".join(json.dumps(kycs[i]) + "\n" for i in requests)
    out = subprocess.run(
        [underwrite, "kyc", "--jsonl", "-"],
        input=text.encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    lines = out.splitlines()
    if len(lines) != len(requests):
        raise RuntimeError(f"underwrite kyc --jsonl: {len(lines)} results for {len(requests)}")
    for i, line in zip(requests, lines):
        results[i] = json.loads(line)
    return results


def json_value(value: Any) -> str:
    """JSON text of one normalized value (a ``Decimal`` keeps its exact digits)."""
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value)


def zen_input_json(status: str, kyc: dict[str, Any], values: dict[str, Any]) -> bytes:
    """The graph's input object as JSON bytes (exact decimals)."""
    signals = ", ".join(f'"{name}": {json_value(values[name])}' for name in SIGNALS)
    return (
        f'{{"status": {json.dumps(status)}, "kyc": {json.dumps(kyc)}, "signals": {{{signals}}}}}'
    ).encode()


def kyc_objects(underwrite: str, kycs: Sequence[Optional[dict[str, Any]]]) -> list[dict]:
    """The graph's ``kyc`` object for each application's KYC input (matched by the CLI)."""
    return [kyc_facts(result) for result in match_kyc(underwrite, kycs)]


def build_inputs(payloads: Sequence[str], kycs: Sequence[dict[str, Any]]) -> list[bytes]:
    """zen's input objects (JSON bytes) from signals payloads (JSON text) and ``kyc`` objects."""
    inputs = []
    for payload, kyc in zip(payloads, kycs):
        status, values = normalized_signals(json.loads(payload, parse_float=Decimal))
        inputs.append(zen_input_json(status, kyc, values))
    return inputs


def cli_features(underwrite: str, payload: str, workdir: Path) -> dict[str, Any]:
    """The twelve features of ``underwrite features`` (the Rust normalizer) for one payload."""
    path = workdir / "payload.json"
    path.write_text(payload)
    out = subprocess.run(
        [underwrite, "features", str(path)], capture_output=True, check=True
    ).stdout
    features = json.loads(out, parse_float=Decimal)["features"]
    return {name: features.get(name) for name in SIGNALS}


def check_against_cli(underwrite: str, payloads: Sequence[str]) -> list[str]:
    """Compare this module's normalization with ``underwrite features`` on each payload.

    Returns one message per disagreeing payload (empty: all agree). Numbers compare as exact
    decimals (``Decimal("2") == 2``).
    """
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, payload in enumerate(payloads):
            _, ours = normalized_signals(json.loads(payload, parse_float=Decimal))
            theirs = cli_features(underwrite, payload, Path(tmp))
            if ours != theirs:
                diff = {n: (ours[n], theirs[n]) for n in SIGNALS if ours[n] != theirs[n]}
                problems.append(f"payload #{index}: (ours, underwrite features) = {diff}")
    return problems
