"""Run the ASTERIX C decoder in a child process, so that a crash on bad input is a bad record.

asterix_decoder can crash the interpreter (a segmentation fault) on malformed content that is
structurally valid. The records are decoded in a forked child that sends back one result per
record; if the child dies or stalls, the record it was on is reported as bad and a new child
resumes after it.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
import sys
from multiprocessing.connection import Connection
from typing import Any

RECORD_TIMEOUT_S = 30.0
"""A record taking longer than this to decode is treated as a hang."""


def _decode_all(records: list[bytes], conn: Connection) -> None:
    import faulthandler

    import asterix

    faulthandler.disable()  # an expected crash of the decoder needs no traceback dump

    for record in records:
        try:
            parsed = asterix.parse(record, verbose=False)
            conn.send(("ok", parsed))
        except Exception as exc:  # the decoder raises plain exceptions on bad input
            conn.send(("error", f"decoder rejected the record: {exc}"[:200]))
    conn.close()


def decode_direct(records: list[bytes]) -> list[tuple[str, Any]]:
    """Decode in this process (fast, but a decoder crash ends the interpreter)."""
    import asterix

    out: list[tuple[str, Any]] = []
    for record in records:
        try:
            out.append(("ok", asterix.parse(record, verbose=False)))
        except Exception as exc:
            out.append(("error", f"decoder rejected the record: {exc}"[:200]))
    return out


def decode_isolated(records: list[bytes]) -> list[tuple[str, Any]]:
    """One ("ok", parsed) or ("error", reason) per record, decoded in child processes."""
    if not records:
        return []
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    ctx: Any = mp.get_context(method)
    results: list[tuple[str, Any]] = []
    while len(results) < len(records):
        start = len(results)
        receiver, sender = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_decode_all, args=(records[start:], sender), daemon=True)
        child.start()
        sender.close()
        stalled = False
        try:
            while len(results) < len(records):
                if not receiver.poll(RECORD_TIMEOUT_S):
                    stalled = True
                    break
                results.append(receiver.recv())
        except (EOFError, OSError, pickle.UnpicklingError):
            pass
        finally:
            receiver.close()
            if stalled:
                child.kill()
            child.join()
        if len(results) < len(records):
            why = "decoder stalled on the record" if stalled else (
                f"decoder crashed on the record (exit status {child.exitcode})")
            results.append(("error", why))
    return results
