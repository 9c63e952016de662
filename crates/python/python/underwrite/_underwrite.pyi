"""Type stubs of the native module: the Python API's contract (see docs/python.md)."""

from decimal import Decimal
from os import PathLike
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union, overload

import pyarrow

__version__: str

JsonValue = Union[None, bool, int, float, Decimal, str, List[Any], Tuple[Any, ...], Dict[str, Any]]
JsonInput = Union[bytes, bytearray, str, Dict[str, Any], List[Any]]
"""A JSON document: its bytes or text, or a value made of dicts (str keys), lists, tuples,
str, int, finite float, finite ``decimal.Decimal`` (written with its exact digits), bool and
None, nested at most 64 deep."""

class PolicyId:
    """Which policy made a decision."""

    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def sha256(self) -> str:
        """SHA-256 of the policy file's bytes, lower-case hex."""
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class Reason:
    """One reason for a decision."""

    @property
    def code(self) -> str:
        """Stable code, e.g. ``"KO_DELINQUENCY_30D"``."""
    @property
    def text(self) -> str:
        """Human-readable text."""
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class Decision:
    """A credit decision.

    >>> d = policy.decide(clean_payload)  # no KYC run
    >>> d.decision, d.score, d.reason_codes
    ('review', 835, ['KYC_UNVERIFIED'])
    """

    @property
    def decision(self) -> Literal["approve", "review", "reject"]: ...
    @property
    def score(self) -> Optional[int]:
        """The scorecard score; ``None`` when the scorecard did not run."""
    @property
    def reasons(self) -> List[Reason]:
        """Fired knock-outs in policy order, then the fallback's, then scorecard reasons."""
    @property
    def reason_codes(self) -> List[str]: ...
    @property
    def policy(self) -> PolicyId: ...
    @property
    def signals_status(self) -> Any:
        """The provider's status for the signals, as the JSON gives it (``"SUCCESS"``,
        ``"NO_DATA"``, or ``{"UNAVAILABLE": ...}``)."""
    @property
    def trace(self) -> Optional[List[Dict[str, Any]]]:
        """Every rule, bin and derived feature evaluated, with the values it read; ``None``
        unless decided with ``trace=True``. Amounts are ``decimal.Decimal``."""
    def to_dict(self) -> Dict[str, Any]:
        """The JSON object ``underwrite decide`` prints, as a dict (decimals as ``Decimal``)."""
    def to_json(self) -> str:
        """The JSON object ``underwrite decide`` prints, compact."""
    def __eq__(self, other: object) -> bool: ...

class TestResult:
    """One policy test's result."""

    @property
    def name(self) -> str: ...
    @property
    def passed(self) -> bool: ...
    @property
    def failures(self) -> List[str]:
        """What did not match, one line each; empty when it passed."""

class TestRun:
    """The results of a policy's own ``tests:``."""

    @property
    def passed(self) -> bool:
        """Whether every test passed."""
    @property
    def results(self) -> List[TestResult]: ...
    @property
    def failed(self) -> List[TestResult]: ...
    @property
    def coverage(self) -> Dict[str, Any]:
        """As ``underwrite test --coverage --format json``: ``percent``, ``covered``,
        ``total``, tallies per kind and every ``items`` entry."""
    def __len__(self) -> int: ...

class Policy:
    """A loaded, compiled policy: immutable, shareable between threads, picklable (it travels
    as its YAML and is compiled again where it lands, with the same sha256).

    >>> policy = Policy.load("rules/starter.yaml")
    >>> policy.decide(clean_payload, kyc=matching_kyc_request).decision
    'approve'
    """

    @staticmethod
    def load(path: Union[str, PathLike[str]]) -> Policy:
        """Load a policy file. Raises ``PolicyError`` (every diagnostic, with file, line and
        column) when it does not load; ``FileNotFoundError`` / ``OSError`` when it cannot be
        read."""
    @staticmethod
    def from_yaml(
        text: Union[str, bytes], base_dir: Optional[Union[str, PathLike[str]]] = None
    ) -> Policy:
        """Load a policy from its YAML text. Files its tests name are read relative to
        ``base_dir``."""
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def sha256(self) -> str:
        """SHA-256 of the policy's bytes: every decision records it."""
    @property
    def id(self) -> PolicyId: ...
    @property
    def description(self) -> str: ...
    @property
    def owner(self) -> str: ...
    def test(self) -> TestRun:
        """Run the policy's own ``tests:`` with coverage, as ``underwrite test`` does."""
    def decide(
        self, signals: JsonInput, kyc: Optional[JsonInput] = None, trace: bool = False
    ) -> Decision:
        """Decide one application: ``signals`` is the provider's payload, ``kyc`` a KYC
        request (``submitted``/``authority``) or result, ``None`` when no KYC was run.

        Raises ``SignalsError``, ``KycError`` or ``DecisionError``. Releases the GIL."""
    @overload
    def decide_many(
        self,
        payloads: Sequence[JsonInput],
        kycs: Optional[Sequence[Optional[JsonInput]]] = None,
        trace: bool = False,
        errors: Literal["raise"] = "raise",
    ) -> List[Decision]: ...
    @overload
    def decide_many(
        self,
        payloads: Sequence[JsonInput],
        kycs: Optional[Sequence[Optional[JsonInput]]] = None,
        trace: bool = False,
        errors: Literal["return"] = ...,
    ) -> List[Union[Decision, Exception]]: ...
    def decide_many(  # type: ignore[misc]
        self,
        payloads: Sequence[JsonInput],
        kycs: Optional[Sequence[Optional[JsonInput]]] = None,
        trace: bool = False,
        errors: Literal["raise", "return"] = "raise",
    ) -> List[Any]:
        """Decide many applications on all cores, the GIL released; results in order.

        ``errors="raise"``: the first failed item raises (message ``item N: ...``, attribute
        ``index``). ``errors="return"``: the failed item's place holds its exception."""
    @overload
    def decide_arrow(
        self,
        data: pyarrow.RecordBatch,
        signals: str = "signals",
        kyc: Optional[str] = None,
        id: Optional[str] = None,
    ) -> pyarrow.RecordBatch: ...
    @overload
    def decide_arrow(
        self,
        data: pyarrow.RecordBatchReader,
        signals: str = "signals",
        kyc: Optional[str] = None,
        id: Optional[str] = None,
    ) -> pyarrow.RecordBatchReader: ...
    @overload
    def decide_arrow(
        self,
        data: Any,
        signals: str = "signals",
        kyc: Optional[str] = None,
        id: Optional[str] = None,
    ) -> Union[pyarrow.RecordBatch, pyarrow.Table]: ...
    def decide_arrow(  # type: ignore[misc]
        self,
        data: Any,
        signals: str = "signals",
        kyc: Optional[str] = None,
        id: Optional[str] = None,
    ) -> Any:
        """Decide every row of Arrow data on all cores, the GIL released.

        ``data``: a ``pyarrow.RecordBatch`` (or anything with ``__arrow_c_array__``) gives a
        ``pyarrow.RecordBatch``; a ``pyarrow.RecordBatchReader`` gives a reader that decides
        each batch as it is read (memory stays one batch deep); a ``pyarrow.Table``, a Polars
        DataFrame (anything else with ``__arrow_c_stream__``) gives a ``pyarrow.Table``. ``signals`` and ``kyc`` name columns
        of JSON text (utf8, large_utf8, utf8_view or binary layouts; a null ``kyc`` cell is no
        KYC); ``id`` names a text or integer column checked as ``underwrite batch`` checks
        ``id``.

        The result is the input's columns plus ``decision`` (dictionary<int8, utf8>),
        ``score`` (int32), ``reason_codes`` (list<utf8>), ``policy_sha256`` (utf8) and
        ``error`` (utf8). A row that cannot be decided has nulls in the first three and its
        message in ``error`` (the message ``underwrite batch`` gives the same application);
        the batch never fails for one row. Data of the wrong shape, or arrays that break
        Arrow's rules, raise ``ColumnError`` (from a reader: ``pyarrow.ArrowInvalid`` when the
        batch is read)."""

def match_kyc(
    request: JsonInput,
    *,
    lenient: bool = False,
    max_distance: int = 2,
    length_scaled: bool = False,
) -> Dict[str, Any]:
    """The native KYC matcher behind ``underwrite.kyc.match``."""
