"""New-object notification for server-sent events.

The hub carries no objects, only "something was added": each ``/events`` stream then reads what
is new from the store with its own partner's tokens, exactly like a TAXII page. So an event can
never reach a partner the store would not release it to, and a reconnecting client resumes
from its ``Last-Event-ID`` (the ``date_added`` of the last event it got) without a gap.
"""

from __future__ import annotations

import asyncio
import threading


class EventHub:
    """A generation counter that writers bump and streams wait on."""

    def __init__(self) -> None:
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        """Bumped once per stored batch."""
        return self._generation

    def notify(self) -> None:
        """Tell every stream that the store has something new."""
        with self._lock:
            self._generation += 1

    async def wait(self, seen: int, timeout_s: float, poll_s: float = 0.05) -> int:
        """Return the generation once it differs from ``seen``, or after ``timeout_s``.

        Polling a counter costs nothing; other processes writing the same database are caught
        by the timeout, after which the stream queries the store anyway.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self._generation == seen and loop.time() < deadline:
            await asyncio.sleep(poll_s)
        return self._generation
