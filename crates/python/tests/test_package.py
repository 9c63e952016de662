"""The package as installed: stubs that match the module, docstrings, doctests, typing marker."""

from __future__ import annotations

import ast
import doctest
import inspect
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


def stub_signature(node: ast.FunctionDef):
    """(name, kind, default) of each parameter of a stub, `self` left out."""
    args = node.args
    out = []
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(positional, defaults):
        out.append((arg.arg, "positional", None if default is None else ast.literal_eval(default)))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        out.append((arg.arg, "keyword", None if default is None else ast.literal_eval(default)))
    return [p for p in out if p[0] != "self"]


def runtime_signature(item):
    out = []
    for p in inspect.signature(item).parameters.values():
        if p.name == "self":
            continue
        kind = "keyword" if p.kind is inspect.Parameter.KEYWORD_ONLY else "positional"
        out.append((p.name, kind, None if p.default is inspect.Parameter.empty else p.default))
    return out


def test_the_stubs_give_every_callable_its_runtime_parameters():
    """Names, order, keyword-only-ness and defaults (an ellipsis default in an overload is left
    to the implementation's stub, the last one)."""
    checked = 0
    implementations = {}
    for node in STUBS.body:
        if isinstance(node, ast.FunctionDef):
            implementations[(None, node.name)] = node
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("__"):
                    decorators = {getattr(d, "id", getattr(d, "attr", "")) for d in item.decorator_list}
                    if "property" not in decorators:
                        implementations[(node.name, item.name)] = item  # the last one wins
    for (cls, name), node in implementations.items():
        item = getattr(native, name) if cls is None else getattr(getattr(native, cls), name)
        assert stub_signature(node) == runtime_signature(item), f"{cls}.{name}"
        checked += 1
    assert checked >= 8


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
