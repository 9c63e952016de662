"""The package as installed: stubs that match the module, docstrings, doctests, typing marker."""

from __future__ import annotations

import ast
import doctest
import os
from pathlib import Path

import pytest

import underwrite
import underwrite._errors
import underwrite._underwrite as native
import underwrite.kyc
from conftest import REPO

PACKAGE = Path(underwrite.__file__).parent
STUBS = ast.parse((PACKAGE / "_underwrite.pyi").read_text())


def test_installed_from_a_wheel_when_ci_says_so():
    if os.environ.get("UNDERWRITE_EXPECT_INSTALLED") == "1":
        assert "site-packages" in str(PACKAGE), PACKAGE
    assert (PACKAGE / "py.typed").is_file()
    assert underwrite.__version__ == native.__version__


def stub_classes():
    return {node.name: node for node in STUBS.body if isinstance(node, ast.ClassDef)}


def public(names):
    return {n for n in names if not n.startswith("_")}


def test_the_stubs_describe_the_module_exactly():
    classes = stub_classes()
    functions = {n.name for n in STUBS.body if isinstance(n, ast.FunctionDef)}
    runtime = {n for n in public(dir(native)) if isinstance(getattr(native, n), type)}
    assert set(classes) == runtime
    assert functions == {n for n in public(dir(native)) if callable(getattr(native, n))} - runtime
    for name, node in classes.items():
        stubbed = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
        actual = public(vars(getattr(native, name)))
        assert public(stubbed) == actual, name


def test_every_public_item_has_a_docstring():
    for name in public(dir(native)):
        item = getattr(native, name)
        if isinstance(item, type):
            assert item.__doc__, name
            for member in public(vars(item)):
                assert getattr(item, member).__doc__, f"{name}.{member}"
    for module in (underwrite, underwrite.kyc, underwrite._errors):
        assert module.__doc__
    for name in underwrite._errors.__all__:
        assert getattr(underwrite, name).__doc__, name


@pytest.mark.parametrize("module", [underwrite, underwrite.kyc, underwrite._errors], ids=lambda m: m.__name__)
def test_the_docstring_examples_run(module, monkeypatch):
    monkeypatch.chdir(REPO)
    result = doctest.testmod(module, raise_on_error=False)
    assert result.failed == 0
    assert result.attempted > 0
