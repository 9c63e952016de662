"""Schemathesis hooks for `.ci/schemathesis.sh` (loaded through SCHEMATHESIS_HOOKS).

What they add, and why each is needed (the script lists the exclusions they stand in for):

* A serializer and a deserializer for `application/x-ndjson`, so `POST /v1/decisions/batch`
  gets bodies: each generated value is one JSON line (the document's schema is one line's), and
  an answer of one line is read as that line's object for the response-schema check.
* `batch_line_is_the_single_route_s_verdict` (replaces `negative_data_rejection` on the batch
  route, where a refused line is by design an error line of a 200 answer): the line's verdict
  must be what `POST /v1/decisions` answers for the same body (decided there iff decided here,
  and an error line's message the problem's `detail`), and a schema-violating line must be an
  error line.
* `positive_data_acceptance_or_policy_refusal` (replaces `positive_data_acceptance`): the
  built-in check, except that a 422 `rule-failed` counts as the body having been read: the live
  policy refused to decide it (the starter policy cannot decide a `SUCCESS` payload without the
  counts it reads), which no request schema can state.
* `map_case`, for positive cases only: the values whose validity the document states in words
  because JSON Schema cannot (see crates/service/src/request_schema.rs) are drawn valid: signal
  numbers become small whole numbers (a count is whole and not negative; a number needs an exact
  decimal form), repeated signal names are made distinct, a KYC or phone `country` is one
  libphonenumber knows, a KYC result is one that agrees with itself, an applicant's phone is a
  valid number and `consentedAt` a UTC timestamp. Negative cases are sent as generated.
"""

import json

import hypothesis.internal.lambda_sources as lambda_sources
import requests
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

# CPython 3.11 (the machine's Python) raises "SystemError: AST constructor recursion depth
# mismatch" from `ast.parse` when it is called deep in a recursion, and Hypothesis parses a
# filter's source to describe it (for a repr only) while schemathesis walks the nested request
# schemas: the operation then ends in a runtime error, not a finding. The description is
# cosmetic, so a failure to build it is replaced by a placeholder.
_describe_lambda = lambda_sources.lambda_description


def _lambda_description(f):
    try:
        return _describe_lambda(f)
    except SystemError:
        return "lambda: <source not shown>"


lambda_sources.lambda_description = _lambda_description

RULE_FAILED = "urn:underwrite:problem:rule-failed"
BATCH = "/v1/decisions/batch"

# A KYC result that agrees with itself (the reference's exact match).
CONSISTENT_KYC_RESULT = {
    "ResultCode": "1020",
    "ResultText": "Exact Match",
    "Actions": {
        "Verify_ID_Number": "Verified",
        "Names": "Exact Match",
        "DOB": "Exact Match",
        "Gender": "Exact Match",
        "Phone_Number": "Exact Match",
        "ID_Verification": "Exact Match",
        "Return_Personal_Info": "Not Applicable",
    },
}


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    return (json.dumps(value) + "\n").encode()


@schemathesis.deserializer("application/x-ndjson")
def ndjson_answer(ctx, response):
    lines = [json.loads(line) for line in response.content.decode().splitlines() if line]
    return lines[0] if len(lines) == 1 else lines


def _problem_type(response):
    try:
        return json.loads(response.content).get("type")
    except (ValueError, AttributeError):
        return None


@schemathesis.check
def positive_data_acceptance_or_policy_refusal(ctx, response, case):
    if response.status_code == 422 and _problem_type(response) == RULE_FAILED:
        return None
    return positive_data_acceptance(ctx, response, case)


@schemathesis.check
def batch_line_is_the_single_route_s_verdict(ctx, response, case):
    if case.path != BATCH or response.status_code != 200 or case.meta is None:
        return None
    lines = [json.loads(line) for line in response.content.decode().splitlines() if line]
    assert len(lines) == 1, f"one line in, {len(lines)} out"
    line = lines[0]
    if case.meta.generation.mode.is_negative and "error" not in line:
        raise AssertionError(f"a line that violates the schema was decided: {line}")
    headers = {"content-type": "application/json"}
    auth = response.request.headers.get("authorization")
    if auth:
        headers["authorization"] = auth
    base = response.request.url.split(BATCH)[0]
    query = response.request.url.split(BATCH, 1)[1]
    answer = requests.post(base + "/v1/decisions" + query, data=response.request.body, headers=headers, timeout=30)
    if "decision" in line:
        assert answer.status_code == 200, f"the line was decided, the single route answered {answer.status_code}: {answer.text}"
    else:
        assert answer.status_code != 200, f"the line failed ({line['error']}), the single route decided"
        detail = answer.json().get("detail")
        assert line["error"]["message"] == detail, f"line: {line['error']['message']!r}; single route: {detail!r}"
    return None


def _whole(value):
    """A small whole number from a generated number (valid for every signal kind)."""
    try:
        return min(abs(int(value)), 1_000_000)
    except (OverflowError, ValueError):
        return 0


def _valid_signals(data):
    if not isinstance(data, dict):
        return
    if isinstance(data.get("data"), dict):
        _valid_signals(data["data"])
    items = data.get("items")
    if isinstance(items, list):
        seen = set()
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            name = item.get("name")
            if isinstance(name, str) and name in seen:
                item["name"] = f"{name}~{i}"
            seen.add(item.get("name"))
            value = item.get("value")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                item["value"] = _whole(value)
            elif isinstance(value, str) and item.get("valueType") == "NUMBER":
                item["value"] = str(_whole(float(value)))
    result = data.get("result")
    if isinstance(result, dict):
        for name, value in list(result.items()):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                result[name] = _whole(value)


def _valid_record(record):
    if isinstance(record, dict) and isinstance(record.get("country"), str) and record["country"].strip():
        record["country"] = "PH"


def _valid_kyc(kyc):
    if not isinstance(kyc, dict):
        return kyc
    if "ResultCode" in kyc:
        return json.loads(json.dumps(CONSISTENT_KYC_RESULT))
    _valid_record(kyc.get("submitted"))
    _valid_record(kyc.get("authority"))
    return kyc


@schemathesis.hook
def map_case(ctx, case):
    if case.meta is None or not case.meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return case
    body = case.body
    if case.path in ("/v1/decisions", BATCH):
        _valid_signals(body.get("signals"))
        if "kyc" in body:
            body["kyc"] = _valid_kyc(body["kyc"])
    elif case.path == "/v1/kyc":
        case.body = _valid_kyc(body)
    elif case.path == "/v1/applications":
        body["phone"] = "+639171234564"
        body["country"] = "PH" if body.get("country") is not None else None
        if isinstance(body.get("consent"), dict):
            body["consent"]["consentedAt"] = "2024-08-08T16:06:00Z"
        if "kyc" in body:
            body["kyc"] = _valid_kyc(body["kyc"])
    return case
