#!/usr/bin/env python3
"""Two party nodes on loopback, as separate processes: notifications end to end.

Reproduce (from the repository root; Python's standard library only):

    cargo build --release -p detente
    python3 bench/exchange.py [N] [RUNS] [BATCH] [STORE]   # default 500 notifications, 3 runs, 1 per request, sqlite
    scripts/with-postgres python3 bench/exchange.py N RUNS BATCH postgres

Each run writes a US and a Russian node with `detente init` in a fresh folder (`nodes.py`),
starts both (embedded SQLite, every write durable), and submits N valid
notifications to the US node (a B-52H moved between two bases and back), in
requests of BATCH notifications, one request after another. A notification counts from its submission until its receipt
is recorded in the US record: the US node records and checkpoints it, the
Russian node checks, records its receipt and checkpoints, and the US node
verifies and records the receipt and checkpoints again. The script reports
submissions per second, and notifications per second from the first
submission to the last receipt, with the median over the runs. Beside it, in
the same run, `detente log append` records the same number of entries in
batches of BATCH, with one durable commit and one checkpoint each: the
record alone.

STORE is `sqlite` (embedded, the default) or `postgres`: each node, and the
record alone, then keeps its record in a new database on the PostgreSQL
server that `scripts/with-postgres` starts (DETENTE_TEST_POSTGRES).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from nodes import DETENTE, Pair, call, new_store


def one_run(n, batch, kind):
    with tempfile.TemporaryDirectory() as tmp:
        pair = Pair(tmp, kind)
        us_port, operator = pair.us_port, pair.operator
        bases = ["BARKSDALE", "MINOT"]
        start = time.perf_counter()
        last = None
        for first in range(0, n, batch):
            notices = []
            for i in range(first, min(n, first + batch)):
                moved = {"what": "moved", "from": bases[i % 2], "to": bases[(i + 1) % 2]}
                at = f"2020-{10 + i // 44640:02d}-{1 + (i // 1440) % 31:02d}T{(i // 60) % 24:02d}:{i % 60:02d}:00Z"
                notices.append({"kind": "movement", "notice": {"events": [
                    {"uid": "US-B-B52H-001", "at": at, "change": moved}]}})
            body = json.dumps(notices[0] if batch == 1 else notices)
            code, answer = call(us_port, "POST", "/api/v1/notifications", operator, body)
            if batch == 1:
                assert code == 201, answer
                last = answer["sequence"]
            else:
                assert code == 200 and all(a["status"] == 201 for a in answer), answer
                last = answer[-1]["sequence"]
        submitted = time.perf_counter() - start
        pair.wait_delivered(last)
        done = time.perf_counter() - start
        pair.stop()
        # The record alone: the same number of entries, one durable commit each.
        key_prefix = os.path.join(tmp, "alone")
        subprocess.run([DETENTE, "keygen", "--name", "alone.example/record", "--out", key_prefix],
                       check=True, capture_output=True)
        store = new_store(tmp, "alone", kind)
        subprocess.run([DETENTE, "log", "init", "--store", store, "--key", key_prefix + ".key", "--party", "US"],
                       check=True, capture_output=True)
        lines = "".join(f"notification {i}\n" for i in range(n))
        start = time.perf_counter()
        subprocess.run([DETENTE, "log", "append", "--store", store, "--key", key_prefix + ".key", "--kind",
                        "notification", "--treaty", "new-start", "--notice", "movement", "--lines", "--batch", str(batch), "--checkpoint",
                        "-"], input=lines.encode(), check=True, capture_output=True)
        alone = time.perf_counter() - start
        return n / submitted, n / done, n / alone


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    kind = sys.argv[4] if len(sys.argv) > 4 else "sqlite"
    assert kind in ("sqlite", "postgres"), "STORE is sqlite or postgres"
    results = [one_run(n, batch, kind) for _ in range(runs)]
    for name, index in [("submitted/s", 0), ("end to end/s", 1), ("record alone/s", 2)]:
        values = [r[index] for r in results]
        print(f"{name:>15}: median {statistics.median(values):8.1f}  runs {', '.join(f'{v:.1f}' for v in values)}")


if __name__ == "__main__":
    main()
