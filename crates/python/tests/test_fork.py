"""Deciding in a forked child of a process that has decided: the pool is per process."""

from __future__ import annotations

import multiprocessing

import pyarrow as pa
import pytest

import underwrite
from conftest import RULES, SIGNALS

if "fork" not in multiprocessing.get_all_start_methods():
    pytest.skip("no fork on this platform", allow_module_level=True)


def decide_in_child(queue) -> None:
    policy = underwrite.Policy.load(RULES / "starter.yaml")
    payload = (SIGNALS / "risky.json").read_text()
    many = policy.decide_many([payload] * 500)
    table = policy.decide_arrow(pa.table({"signals": [payload] * 500}))
    queue.put((len(many), many[0].decision, table.column("decision").to_pylist()[0]))


def test_a_forked_child_decides_after_its_parent_did(starter):
    payload = (SIGNALS / "risky.json").read_text()
    expected = starter.decide(payload).decision
    starter.decide_many([payload] * 500)  # the parent's pool now exists
    starter.decide_arrow(pa.table({"signals": [payload] * 500}))
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=decide_in_child, args=(queue,))
    child.start()
    child.join(120)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail("the forked child hung deciding")
    assert child.exitcode == 0
    assert queue.get(timeout=5) == (500, expected, expected)
