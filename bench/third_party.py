#!/usr/bin/env python3
"""The cost of a third party: the same notifications end to end between two
nodes (US, Russia) and between three (US, Russia, China), each node a process
on loopback, in the same run.

Reproduce (from the repository root; Python's standard library only):

    cargo build --release -p detente
    python3 bench/third_party.py [N] [RUNS] [BATCH]   # default 5000 notices, 3 runs, batches of 100

Every node keeps its record under the hypothetical three-party launch
agreement (data/hypothetical/launch-notification-trilateral.toml), the only
treaty here with three parties, in embedded SQLite. The script submits N
launch notices to the US node in requests of BATCH, one after another, and
waits until the US record holds every peer's receipt for the last: with one
peer, three durable appends per batch on the way (US, Russian receipt, US
record of it); with two, five. It reports notices per second end to end, the
median over the runs, for two and for three parties alternately.
"""

import json
import os
import statistics
import sys
import tempfile
import time

from nodes import ROOT, Network, call

TREATY = os.path.join(ROOT, "data", "hypothetical", "launch-notification-trilateral.toml")


def one_run(parties, n, batch):
    with tempfile.TemporaryDirectory() as tmp:
        network = Network(tmp, "sqlite", parties, TREATY)
        notice = {"kind": "ballistic-missile-launch", "notice": {"fields": {
            "launch": "2030-01-01T06:00:00Z", "launch-area": "Vandenberg", "impact-area": "Kwajalein Atoll"}}}
        start = time.perf_counter()
        last = None
        for first in range(0, n, batch):
            body = json.dumps([notice] * min(batch, n - first))
            code, answer = call(network.us_port, "POST", "/api/v1/notifications", network.operator, body)
            assert code == 200 and all(a["status"] == 201 for a in answer), answer
            last = answer[-1]["sequence"]
        network.wait_delivered(last)
        done = time.perf_counter() - start
        network.stop()
        return n / done


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    two, three = [], []
    for _ in range(runs):
        two.append(one_run(("US", "RU"), n, batch))
        three.append(one_run(("US", "RU", "CN"), n, batch))
    for name, values in [("two parties/s", two), ("three parties/s", three)]:
        print(f"{name:>16}: median {statistics.median(values):8.1f}  runs {', '.join(f'{v:.1f}' for v in values)}")
    print(f"{'three / two':>16}: {statistics.median(three) / statistics.median(two):.2f}")


if __name__ == "__main__":
    main()
