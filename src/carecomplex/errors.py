"""The input-error family: everything a user can get wrong, as one line.

Every error here is an :class:`InputError`: a file, a key or an argument that cannot
be used. Its message is one line, ``FILE: KEY: reason`` (``KEY: reason`` for
:class:`ParamError`, which readers prefix with their file), and the command line
prints it as ``carecomplex: error: ...`` with exit status 2, having written nothing.
"""

from __future__ import annotations

from typing import Any


class InputError(ValueError):
    """An input that cannot be used; the message is one line naming where and why."""

    @classmethod
    def at(cls, file: object, key: str, reason: str) -> InputError:
        """The error ``FILE: KEY: reason`` (to ``raise``)."""
        return cls(f"{file}: {key}: {reason}")


class ParamError(InputError):
    """A parameter value or key that is not allowed, with the key path named."""

    def __init__(self, key: str, reason: str):
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


class ScenarioError(InputError):
    """A scenario file that cannot be used; the message is one line."""


class ExperimentError(ScenarioError):
    """An experiment file that cannot be used; the message is one line.

    A kind of :class:`ScenarioError`: an experiment's arms are scenarios.
    """


class ClaimError(InputError):
    """A claim file that cannot be used; the message is one line naming file and key."""


class StoreError(InputError):
    """The directory cannot be used for this experiment; the message is one line."""


class AnalysisError(InputError):
    """Results that cannot be analysed as asked; the message is one line."""


class UsageError(InputError):
    """Bad command-line input."""


def shown(value: Any) -> str:
    """``repr(value)`` for a message; an integer of more than about 40 digits by its size.

    ``repr`` of an integer of more than 4,300 digits raises ``ValueError`` (Python's
    limit on integer-string conversion), so long integers are measured, not printed.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 133:
        return f"an integer of about {round(value.bit_length() * 0.30103)} digits"
    return repr(value)
