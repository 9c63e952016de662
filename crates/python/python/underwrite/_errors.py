"""The exceptions underwrite raises, and the diagnostics a policy that did not load carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

__all__ = [
    "UnderwriteError",
    "PolicyError",
    "Diagnostic",
    "SignalsError",
    "KycError",
    "DecisionError",
    "ColumnError",
    "InternalError",
]


class UnderwriteError(Exception):
    """Base class of every exception underwrite raises.

    Items of ``Policy.decide_many`` that failed carry ``index``, the item's position.
    """

    def __init__(self, message: str, *, index: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


@dataclass(frozen=True)
class Diagnostic:
    """One problem found while loading a policy, with where it is.

    ``str(d)`` reads ``file:line:column: `rule`: message`` (parts that are unknown are left out),
    the form editors and CI logs link to. ``kind`` says what kind of problem it is, for code
    that reacts to it (``"file"``, ``"yaml"``, ``"shape"``, ``"structure"``, ``"name"``,
    ``"syntax"``, ``"not_allowed"``, ``"type"``, ``"cycle"``, ``"internal"``,
    ``"truncated"``): match on it, not on the message.
    """

    message: str
    file: Optional[str] = None
    line: Optional[int] = None
    column: Optional[int] = None
    rule: Optional[str] = None
    kind: Optional[str] = None

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line, self.column) if p is not None)
        rule = f"`{self.rule}`: " if self.rule else ""
        return f"{where}: {rule}{self.message}" if where else f"{rule}{self.message}"


class PolicyError(UnderwriteError):
    """A policy that did not load. ``diagnostics`` lists every problem found, in file order.

    >>> import underwrite
    >>> try:
    ...     underwrite.Policy.from_yaml("name: x\\nversion: '1'\\nknockouts: [{id: k, when: nope > 1}]")
    ... except underwrite.PolicyError as e:
    ...     print(e.diagnostics[0].line)
    3
    """

    def __init__(self, message: str, *, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics: Tuple[Diagnostic, ...] = tuple(diagnostics)


class SignalsError(UnderwriteError):
    """The signals payload could not be used (not JSON, not the provider's shape, a bad value)."""


class KycError(UnderwriteError):
    """The KYC input could not be used, or a KYC request could not be matched.

    ``field`` names the field at fault (``submitted.dob``, ``ResultCode``, ...) when one is.
    """

    def __init__(
        self, message: str, *, field: Optional[str] = None, index: Optional[int] = None
    ) -> None:
        super().__init__(message, index=index)
        self.field = field


class DecisionError(UnderwriteError):
    """A rule failed at run time. ``rule`` names it; ``kind`` says how (``missing_used``,
    ``division_by_zero``, ``overflow``, ...: the library's ``RuleErrorKind`` in snake case)."""

    def __init__(
        self,
        message: str,
        *,
        rule: Optional[str] = None,
        kind: Optional[str] = None,
        index: Optional[int] = None,
    ) -> None:
        super().__init__(message, index=index)
        self.rule = rule
        self.kind = kind


class ColumnError(UnderwriteError, ValueError):
    """``decide_arrow`` got data of the wrong shape: a missing column, a column that cannot hold
    JSON text, an output column already present, or arrays that break Arrow's rules."""


class InternalError(UnderwriteError):
    """A bug inside underwrite, caught: please report it with the input. ``rule`` names the rule
    being evaluated, when one was."""

    def __init__(
        self, message: str, *, rule: Optional[str] = None, index: Optional[int] = None
    ) -> None:
        super().__init__(message, index=index)
        self.rule = rule
