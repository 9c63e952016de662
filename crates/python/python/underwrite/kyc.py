"""KYC matching: compare the applicant's submitted name, date of birth, gender and phone with
the ID authority's record, as ``underwrite kyc`` does.

>>> from underwrite import kyc
>>> result = kyc.match({
...     "submitted": {"first_name": "Joe", "last_name": "Leo", "dob": "2000-09-20"},
...     "authority": {"first_name": "JOE", "last_name": "Leo", "dob": "2000-09-20"},
... })
>>> result["ResultText"]
'Exact Match'
"""

from __future__ import annotations

from typing import Any, Dict, Union

from ._underwrite import match_kyc as _match_kyc

__all__ = ["match"]


def match(
    request: Union[bytes, str, Dict[str, Any]],
    *,
    lenient: bool = False,
    max_distance: int = 2,
    length_scaled: bool = False,
) -> Dict[str, Any]:
    """Match one KYC request and return the result in the reference shape (``ResultCode``,
    ``ResultText``, ``Actions``, ``Details``, ...).

    ``request`` is ``{"submitted": {...}, "authority": {...}}`` (or with
    ``"issuer_unavailable": true``), as bytes, str or dict. ``lenient``: 1022 (No Match) only
    when no field matches at all. ``max_distance`` (0 to 8): the largest edit distance for a
    Partial Match of a name component. ``length_scaled``: short names must match more closely.

    Raises ``KycError`` (with ``field``) for a request that cannot be matched: a missing name,
    an invalid date, an unknown gender or country, or text that is not a request.
    """
    return _match_kyc(
        request, lenient=lenient, max_distance=max_distance, length_scaled=length_scaled
    )
