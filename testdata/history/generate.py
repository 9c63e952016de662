#!/usr/bin/env python3
"""Writes the history files in this directory (run from anywhere; the output is committed).

portfolio.jsonl  32 lines: the example payloads of testdata/signals (one of them `processing`,
                 which no policy can decide) and 23 generated `result` payloads, with KYC
                 requests and results from testdata/kyc and every kind of outcome (bad, good,
                 {"bad": null}, null, absent); ids are strings, numbers, and one line has none.
shifted.jsonl    16 lines of a riskier population (more overdue, more stacking), for PSI.
challenger.yaml  rules/starter.yaml with higher cut-offs (approve 800, review 740), no tests.

Deterministic: a fixed seed, and the shipped payloads copied with their whitespace removed
(numbers keep their text).
"""
import json
import pathlib
import random

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def compact(text):
    """JSON text without whitespace outside strings: numbers keep their exact text."""
    out, in_string, escaped = [], False, False
    for ch in text:
        if in_string:
            out.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif not ch.isspace():
            out.append(ch)
    return "".join(out)


def signals(name):
    return compact((ROOT / "testdata/signals" / name).read_text())


def kyc(name):
    return compact((ROOT / "testdata/kyc" / name).read_text())


KYC = ["joe-exact.json"] * 6 + [
    None,
    "joe-no-match.json",
    "joe-invalid-id.json",
    "result-partial-names-no-match.json",
    "exact.json",
    "partial.json",
]

OUTCOMES = {
    "bad": '{"bad":true}',
    "good": '{"bad":false}',
    "unknown": '{"bad":null}',
    "null": "null",
    "absent": None,
}


def line(id_json, signals_json, kyc_json, outcome):
    parts = []
    if id_json is not None:
        parts.append(f'"id":{id_json}')
    parts.append(f'"signals":{signals_json}')
    if kyc_json is not None:
        parts.append(f'"kyc":{kyc_json}')
    if OUTCOMES[outcome] is not None:
        parts.append(f'"outcome":{OUTCOMES[outcome]}')
    return "{" + ",".join(parts) + "}"


def generated(rng, risky):
    """A `result` payload (bare `data`) over the starter policy's inputs."""
    overdue_180 = rng.choice([0, 0, 1, 2, 4, 6] if risky else [0, 0, 0, 0, 1, 2])
    overdue_90 = rng.randint(0, overdue_180)
    overdue_30 = rng.randint(0, overdue_90)
    if overdue_180 == 0:
        since = None
    elif overdue_30 > 0:
        since = rng.randint(1, 30)
    elif overdue_90 > 0:
        since = rng.randint(31, 90)
    else:
        since = rng.randint(91, 180)
    apps_30 = rng.randint(0, 10 if risky else 5)
    apps_inst_30 = rng.randint(0, apps_30)
    disb_180 = rng.randint(0, 5)
    result = {
        "events_overdue_day30": overdue_30,
        "events_overdue_day30_days": rng.randint(1, 45) if overdue_30 else 0,
        "events_overdue_day90": overdue_90,
        "events_overdue_day180": overdue_180,
        "events_overdue_day90_institution_count": min(overdue_90, rng.randint(0, 2)),
        "events_overdue_days_since_last": since,
        "events_application_reception_day30": apps_30,
        "events_application_reception_day30_institution_count": apps_inst_30,
        "events_loan_disbursement_day30_institution_count": rng.randint(0, min(disb_180, 3)),
        "events_loan_disbursement_day180": disb_180,
        "events_successful_repayment_day30": rng.randint(0, 1 if risky else 4),
        "events_debt_day90_amount": rng.choice([0, 250, 1000, 4800, 12000, 60000]),
    }
    payload = {"status": "COMPLETED", "resultCode": "SUCCESS", "result": result}
    bad_chance = 0.15 + 0.12 * overdue_90 + (0.1 if apps_inst_30 >= 5 else 0)
    return json.dumps(payload, separators=(",", ":")), bad_chance


def labelled(rng, bad_chance):
    draw = rng.random()
    if draw < 0.12:
        return rng.choice(["unknown", "null", "absent"])
    return "bad" if rng.random() < bad_chance else "good"


def portfolio():
    rng = random.Random(11)
    lines = [
        line('"app-001"', signals("clean.json"), kyc("joe-exact.json"), "good"),
        line('"app-002"', signals("thin-file.json"), kyc("joe-exact.json"), "bad"),
        line('"app-003"', signals("risky.json"), kyc("joe-exact.json"), "bad"),
        line('"app-004"', signals("banded.json"), kyc("joe-exact.json"), "good"),
        line('"app-005"', signals("no-data.json"), kyc("joe-exact.json"), "absent"),
        line('"app-006"', signals("unavailable.json"), None, "null"),
        line('"app-007"', signals("alpha-sample.json"), kyc("exact.json"), "good"),
        line('"app-008"', signals("beta-sample.json"), kyc("joe-exact.json"), "unknown"),
        line('"app-009"', signals("processing.json"), kyc("joe-exact.json"), "good"),
    ]
    for i in range(10, 33):
        payload, bad_chance = generated(rng, risky=False)
        k = rng.choice(KYC)
        id_json = str(9000 + i) if i % 7 == 0 else f'"app-{i:03}"'
        if i == 20:
            id_json = None
        lines.append(line(id_json, payload, k and kyc(k), labelled(rng, bad_chance)))
    return lines


def shifted():
    rng = random.Random(12)
    lines = [
        line('"new-001"', signals("risky.json"), kyc("joe-exact.json"), "bad"),
        line('"new-002"', signals("thin-file.json"), kyc("joe-exact.json"), "good"),
    ]
    for i in range(3, 17):
        payload, bad_chance = generated(rng, risky=True)
        k = rng.choice(KYC)
        lines.append(line(f'"new-{i:03}"', payload, k and kyc(k), labelled(rng, bad_chance)))
    return lines


def challenger():
    text = (ROOT / "rules/starter.yaml").read_text()
    text = text.split("\ntests:\n")[0] + "\n"
    text = text.replace("name: starter\n", "name: starter-strict\n", 1)
    old = "cutoffs: { approve: 780, review: 700 }"
    assert old in text
    text = text.replace(old, "cutoffs: { approve: 800, review: 740 }")
    text = text.replace(
        "# Starter policy for thin-file, phone-signal lending.",
        "# A challenger to rules/starter.yaml: the same rules with higher cut-offs.\n"
        "# Written by testdata/history/generate.py; edit that, not this.",
        1,
    )
    return text.replace("# yaml-language-server: $schema=../docs/", "# yaml-language-server: $schema=../../docs/", 1)


def main():
    (HERE / "portfolio.jsonl").write_text("\n".join(portfolio()) + "\n")
    (HERE / "shifted.jsonl").write_text("\n".join(shifted()) + "\n")
    (HERE / "challenger.yaml").write_text(challenger())


if __name__ == "__main__":
    main()
