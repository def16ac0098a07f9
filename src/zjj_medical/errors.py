"""The library's exceptions.

One root, :class:`ReimbursementError`; each subclass also inherits the builtin a
caller would expect, so ``except ValueError`` keeps working.

An error is data first: a stable dotted ``code`` (``claim.facility.level.unknown``),
its ``params`` (JSON-ready: the bad value, the accepted values, the limits …), and
the facts that point at the bad input — ``claim_id`` and ``field`` for claims,
``path`` (the key path in a policy file, the JSON path in a document) where there is
one. The words are rendered from the code's template at the edge
(:func:`zjj_medical.messages.render`): ``str(error)`` and ``error.message`` are the
English message, :meth:`ReimbursementError.render` takes a language. The codes and
their messages are listed in the errors reference of the documentation.

>>> e = InvalidClaim(code="claim.date.format", params={"claim_id": "C1", "value": "2019-13-01"},
...                  claim_id="C1", field="date")
>>> str(e)
"claim C1: date: '2019-13-01' is not a date (YYYY-MM-DD)"
>>> e.to_dict()["code"], e.to_dict()["params"]
('claim.date.format', {'claim_id': 'C1', 'value': '2019-13-01'})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from zjj_medical.messages import jsonable, render

__all__ = [
    "DuplicateClaim",
    "InvalidClaim",
    "LedgerMismatch",
    "PolicyError",
    "PolicyNotInForce",
    "ReimbursementError",
    "StoreError",
    "UnknownClaim",
    "problem",
    "problem_of",
]


def _params(params: Mapping[str, object] | None) -> dict[str, Any]:
    return jsonable({str(k): v for k, v in (params or {}).items()})


class ReimbursementError(Exception):
    """Root of every error raised by zjj_medical.

    Build one from a code and its parameters (``InvalidClaim(code=…, params=…,
    claim_id=…, field=…)``); a bare message (``InvalidClaim("…")``) is kept as the
    class's generic code with the message as its only parameter.

    Attributes:
        message: the English message, rendered from the code and params.
        code: the stable code of the problem (``claim.money.decimals`` …).
        params: the problem's parameters, JSON-ready.
        claim_id: the claim the error is about, when there is one.
        field: the input field that was wrong (``total``, ``facility.level`` …).
        path: the key path of the bad input (a policy file's key path, a document's
            JSON path such as ``claims[2].facility.level``), when there is one.
    """

    #: The code of an error built from a bare message.
    generic_code: ClassVar[str] = "error"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
        claim_id: str | None = None,
        field: str | None = None,
        path: str | None = None,
    ) -> None:
        if code is None:
            if message is None:
                raise TypeError("an error needs a code (and its params) or a message")
            code, params = self.generic_code, {"message": message}
        self.code = code
        self.params = _params(params)
        self.claim_id = claim_id
        self.field = field
        self.path = path
        #: The English message (the code's template filled with the params), rendered once.
        self.message = self.render()
        super().__init__(self.message)

    def render(self, lang: str = "en") -> str:
        """The message in ``lang`` (a language without a catalog falls back to English)."""
        return render(self.code, self.params, lang)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.__dict__))

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """The error as the JSON contract reports it: ``type``, ``message`` (in ``lang``),
        ``claim_id``, ``field``, ``code``, ``params`` and ``path`` when there is one."""
        out: dict[str, Any] = {
            "type": type(self).__name__,
            "message": self.message if lang == "en" else self.render(lang),
            "claim_id": self.claim_id,
            "field": self.field,
            "code": self.code,
            "params": dict(self.params),
        }
        if self.path is not None:
            out["path"] = self.path
        return out


def _rebuild(cls: type[ReimbursementError], state: dict[str, Any]) -> ReimbursementError:
    """Unpickle an error (for worker processes) without running ``__init__``."""
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error.message)
    return error


class InvalidClaim(ReimbursementError, ValueError):
    """A claim, person or ledger input that cannot be settled as given."""

    generic_code = "claim.invalid"


class PolicyError(ReimbursementError, ValueError):
    """A policy file that does not validate; the message names the file and key path."""

    generic_code = "policy.invalid"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
        source: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, code=code, params=params, field=path, path=path)
        self.source = source


class PolicyNotInForce(ReimbursementError, LookupError):
    """No policy (or no value of a parameter) is in force on the date asked for."""

    generic_code = "policy.not_in_force"


class LedgerMismatch(ReimbursementError, ValueError):
    """A ledger handed in belongs to another person or year than the claim."""

    generic_code = "ledger.mismatch"


class DuplicateClaim(ReimbursementError, ValueError):
    """A claim id that the ledger has already settled (or stored with other content)."""

    generic_code = "claim.duplicate"


class StoreError(ReimbursementError, OSError):
    """The ledger store cannot be used: not a database, another application's database,
    a newer schema version, or a database locked for longer than the timeout.

    The message names the database file and says what was found.
    """

    generic_code = "store.error"


class UnknownClaim(ReimbursementError, LookupError):
    """A claim id that the ledger store does not hold (to reverse, show or export)."""

    generic_code = "claim.unknown"


_E = TypeVar("_E", bound=Exception)


def problem(kind: type[_E], code: str, **params: object) -> _E:
    """A builtin exception (``ValueError``, ``TypeError`` …) carrying a code and params.

    The low-level readers (an amount, a date, a flag) raise the builtin their callers
    expect, with the problem as data on it; the caller that knows the claim and the
    field turns it into an :class:`InvalidClaim` with :func:`problem_of`.

    >>> exc = problem(ValueError, "cell.bool", value="maybe")
    >>> exc, problem_of(exc)
    (ValueError("'maybe' is not true or false"), ('cell.bool', {'value': 'maybe'}))
    """
    data = _params(params)
    exc = kind(render(code, data))
    setattr(exc, "_zjj_problem", (code, data))  # noqa: B010 (a builtin's instance)
    return exc


def problem_of(exc: BaseException) -> tuple[str, dict[str, Any]] | None:
    """The ``(code, params)`` of an exception made by :func:`problem`, else ``None``."""
    found = getattr(exc, "_zjj_problem", None)
    return found if isinstance(found, tuple) else None
