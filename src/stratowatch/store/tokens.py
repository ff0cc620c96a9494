"""Audience tokens: the store's whole contract with the sharing policy.

The sharing layer labels every object with the tokens of the audiences it may reach (``"*"``,
``"community"``, ``"partner:ca"``, ``"group:five-eyes"``) and gives each reader the tokens it
holds; the store returns a row only when the two sets meet. The store never decides who holds
what. Reading everything is possible only by passing :data:`UNFILTERED` explicitly, which the
node's own pipeline does and no path towards a partner should.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, final

from stratowatch.errors import ConfigError

MAX_TOKEN_LEN: Final = 128


@final
class Unfiltered:
    """The type of :data:`UNFILTERED`; a marker, never a set of tokens."""

    _instance: Unfiltered | None = None

    def __new__(cls) -> Unfiltered:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNFILTERED"


#: Read every row whatever its audience: for the node's own pipeline, never for a partner.
UNFILTERED: Final = Unfiltered()

#: What a reader presents: the tokens it holds, or UNFILTERED.
Reader = Iterable[str] | Unfiltered


def reader_tokens(tokens: Reader) -> tuple[str, ...] | None:
    """The reader's tokens, sorted and unique; None for UNFILTERED."""
    if isinstance(tokens, Unfiltered):
        return None
    return tuple(sorted(_checked(tokens, "reader tokens")))


def audience(tokens: Iterable[str], *, where: str = "tokens") -> frozenset[str]:
    """The audience of a row being written: at least one token, or nobody could ever read it."""
    checked = _checked(tokens, where)
    if not checked:
        raise ConfigError(f"{where}: no audience token; the row could never be read")
    return checked


def _checked(tokens: Iterable[str], where: str) -> frozenset[str]:
    if isinstance(tokens, str | bytes) or tokens is None:
        raise ConfigError(f"{where}: give a set of tokens, not {tokens!r}")
    result = frozenset(tokens)
    for token in result:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LEN:
            raise ConfigError(f"{where}: bad audience token {token!r} (1-{MAX_TOKEN_LEN} chars)")
    return result
