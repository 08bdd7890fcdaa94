#!/usr/bin/env python3
"""Latency of the exchange at a fixed offered load: two party nodes on loopback.

Reproduce (from the repository root; Python's standard library only):

    cargo build --release -p detente
    python3 bench/latency.py [RATE] [SECONDS] [RUNS] [STORE]   # default 1000/s, 20 s, 3 runs, sqlite

Each run starts a US and a Russian node (`nodes.py`), then offers RATE single
notifications a second for SECONDS, open loop: notification i is due at
start + i / RATE, whether or not the ones before it were answered. 36 sender
threads, each with one kept-alive connection, share the load; each moves its
own deployed B-52H between Barksdale and Minot and back, every event dated at
one moment, so the ledger never replays (a uniform, synthetic load). A
notification's latency runs from the moment it was due to the moment the US
node's change feed (`GET /api/v1/feed`) shows the Russian receipt for it
recorded in the US record. The script gives the 50th, 90th, 99th percentiles
and the largest, per run, and the achieved rate.
"""

import csv
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time

from nodes import ROOT, Pair

THREADS = 36


def bombers():
    """The deployed B-52H at Barksdale and Minot, with their base."""
    path = os.path.join(ROOT, "data", "declarations", "us-2020-09-01.csv")
    with open(path) as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return [(r["uid"], r["facility"]) for r in rows if r["type"] == "B-52H" and r["status"] == "deployed"
                and r["facility"] in ("BARKSDALE", "MINOT")]


def watch_feed(pair, after, delivered, stop):
    """Reads the US node's change feed, noting when each notification's receipt was recorded."""
    connection = http.client.HTTPConnection("127.0.0.1", pair.us_port, timeout=120)
    connection.request("GET", f"/api/v1/feed?after={after}", headers={"Authorization": f"Bearer {pair.observer}"})
    response = connection.getresponse()
    assert response.status == 200, response.read()
    while not stop.is_set():
        line = response.readline()
        if not line:
            break
        if line.startswith(b"data: "):
            change = json.loads(line[6:])
            if change["what"] == "delivered":
                delivered[change["sequence"]] = time.perf_counter()
    connection.close()


def one_run(rate, seconds, kind):
    with tempfile.TemporaryDirectory() as tmp:
        pair = Pair(tmp, kind)
        size = pair.status()["record"]["size"]
        delivered, stop = {}, threading.Event()
        feed = threading.Thread(target=watch_feed, args=(pair, size - 1, delivered, stop), daemon=True)
        feed.start()
        total = int(rate * seconds)
        due_of = {}
        failures = []
        start = time.perf_counter() + 0.5
        fleet = bombers()[:THREADS]

        def send(thread):
            uid, home = fleet[thread]
            away = "MINOT" if home == "BARKSDALE" else "BARKSDALE"
            connection = http.client.HTTPConnection("127.0.0.1", pair.us_port, timeout=30)
            headers = {"Authorization": f"Bearer {pair.operator}", "Content-Type": "application/json"}
            for step, i in enumerate(range(thread, total, THREADS)):
                due = start + i / rate
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                there = step % 2 == 0
                moved = {"what": "moved", "from": home if there else away, "to": away if there else home}
                body = json.dumps({"kind": "movement", "notice": {"events": [
                    {"uid": uid, "at": "2020-10-01T00:00:00Z", "change": moved}]}})
                connection.request("POST", "/api/v1/notifications", body=body, headers=headers)
                response = connection.getresponse()
                answer = json.loads(response.read())
                if response.status != 201:
                    failures.append(answer)
                    return
                due_of[answer["sequence"]] = due

        senders = [threading.Thread(target=send, args=(t,)) for t in range(THREADS)]
        for s in senders:
            s.start()
        for s in senders:
            s.join()
        assert not failures, failures[:3]
        last = max(due_of)
        deadline = time.perf_counter() + 60
        while last not in delivered and time.perf_counter() < deadline:
            time.sleep(0.01)
        stop.set()
        pair.stop()
        assert all(s in delivered for s in due_of), "a receipt never came"
        latencies = sorted((delivered[s] - due) * 1000 for s, due in due_of.items())
        achieved = len(due_of) / (max(delivered.values()) - start)
        pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
        return pick(0.5), pick(0.9), pick(0.99), latencies[-1], achieved


def main():
    rate = float(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    kind = sys.argv[4] if len(sys.argv) > 4 else "sqlite"
    assert len(bombers()) >= THREADS, "the declaration has a bomber for each sender"
    results = [one_run(rate, seconds, kind) for _ in range(runs)]
    for name, index, unit in [("p50", 0, "ms"), ("p90", 1, "ms"), ("p99", 2, "ms"), ("max", 3, "ms"),
                              ("achieved", 4, "/s")]:
        values = [r[index] for r in results]
        print(f"{name:>9}: median {statistics.median(values):8.1f} {unit}  runs "
              f"{', '.join(f'{v:.1f}' for v in values)}")


if __name__ == "__main__":
    main()
