"""Child process for the crash test: ingests batches forever, acknowledging each on stdout.

Usage: python ingest_child.py URL COLLECTION ROUND. Batch b of round r has BATCH_SIZE objects
tagged ``x_round`` and ``x_batch``; "ACK b" is printed only after its transaction committed.
"""

from __future__ import annotations

import sys
import uuid

from stratowatch.store import Store

BATCH_SIZE = 50


def main() -> None:
    url, collection, round_no = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = Store.open(url)
    batch = 0
    while True:
        items = []
        for i in range(BATCH_SIZE):
            ident = uuid.uuid5(uuid.NAMESPACE_URL, f"crash/{round_no}/{batch}/{i}")
            obj = {"type": "note", "spec_version": "2.1", "id": f"note--{ident}",
                   "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                   "content": "x" * 500, "object_refs": [f"note--{ident}"],
                   "x_round": round_no, "x_batch": batch}
            items.append((obj, {"*", f"round:{round_no}"}))
        store.add_objects(collection, items, owner="crash")
        print(f"ACK {batch}", flush=True)
        batch += 1


if __name__ == "__main__":
    main()
