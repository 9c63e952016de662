"""Shared fixtures: the repository's files, the shipped policies, and the CLI to compare with.

Run from anywhere: ``python -m pytest crates/python/tests``. The CLI binary is found from
``UNDERWRITE_BIN``, else ``target/release/underwrite``, else ``target/debug/underwrite``; tests
that compare with it fail (not skip) when none is built.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import List, Optional

import pytest

import underwrite

REPO = Path(__file__).resolve().parents[3]
RULES = REPO / "rules"
SIGNALS = REPO / "testdata" / "signals"
KYC = REPO / "testdata" / "kyc"
EXAMPLES = REPO / "examples" / "python"


def cli_path() -> Path:
    """The underwrite CLI to compare with."""
    configured = os.environ.get("UNDERWRITE_BIN")
    candidates = [Path(configured)] if configured else []
    candidates += [REPO / "target" / "release" / "underwrite", REPO / "target" / "debug" / "underwrite"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise RuntimeError(
        "no underwrite CLI: build it (cargo build -p underwrite-cli) or set UNDERWRITE_BIN"
    )


@pytest.fixture(scope="session")
def cli() -> Path:
    return cli_path()


def run_cli(cli: Path, *args: str, stdin: Optional[bytes] = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run the CLI from the repository root and capture its output."""
    return subprocess.run(
        [str(cli), *args], input=stdin, capture_output=True, cwd=REPO, check=check
    )


@pytest.fixture(scope="session")
def starter() -> underwrite.Policy:
    return underwrite.Policy.load(RULES / "starter.yaml")


@pytest.fixture(scope="session")
def challenger() -> underwrite.Policy:
    return underwrite.Policy.load(RULES / "challenger.yaml")


@pytest.fixture(scope="session")
def payloads() -> List[Path]:
    """Every shipped signals payload."""
    return sorted(SIGNALS.glob("*.json"))


@pytest.fixture(scope="session")
def kyc_inputs() -> List[Path]:
    """Every shipped KYC request or result file."""
    return sorted(KYC.glob("*.json"))


def generated(cli: Path, count: int, seed: int = 14) -> List[dict]:
    """``underwrite gen`` lines as batch applications (the ``outcome`` key removed)."""
    out = run_cli(cli, "gen", "--count", str(count), "--seed", str(seed)).stdout
    lines = []
    for text in out.decode().splitlines():
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            continue  # a malformed line on purpose: no columns to build from it
        if isinstance(value, dict) and "signals" in value:
            value.pop("outcome", None)
            lines.append(value)
    return lines


def import_example(name: str) -> ModuleType:
    """``examples/python/<name>.py`` imported as the module ``name`` (registered in
    ``sys.modules``, so Spark's workers, which import it by name, find the same module)."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
