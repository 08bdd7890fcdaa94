#!/usr/bin/env python3
"""Two party nodes on loopback, as separate processes: notifications end to end.

Reproduce (from the repository root; Python's standard library only):

    cargo build --release -p detente
    python3 bench/exchange.py [N] [RUNS]      # default 500 notifications, 3 runs

Each run writes a US and a Russian node with `detente init` in a fresh folder,
starts both (embedded SQLite, every write durable), and submits N valid
notifications to the US node one after another (a B-52H moved between two
bases and back). A notification counts from its submission until its receipt
is recorded in the US record: the US node records and checkpoints it, the
Russian node checks, records its receipt and checkpoints, and the US node
verifies and records the receipt and checkpoints again. The script reports
submissions per second, and notifications per second from the first
submission to the last receipt, with the median over the runs. Beside it, in
the same run, `detente log append` records the same number of entries with
one durable commit and one checkpoint each: the record alone.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DETENTE = os.path.join(ROOT, "target", "release", "detente")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, token, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    answer = json.loads(response.read() or b"null")
    connection.close()
    return response.status, answer


def one_run(n):
    with tempfile.TemporaryDirectory() as tmp:
        us, ru = os.path.join(tmp, "us"), os.path.join(tmp, "ru")
        us_port, ru_port = free_port(), free_port()
        # Each node needs the other's key before it starts: write keys first.
        for folder, party, port in [(us, "US", us_port), (ru, "RU", ru_port)]:
            subprocess.run([DETENTE, "init", "--party", party, "--dir", folder, "--listen", f"127.0.0.1:{port}"],
                           check=True, capture_output=True)
        for folder, peer, port, vkey in [(us, "RU", ru_port, os.path.join(ru, "ru.vkey")),
                                         (ru, "US", us_port, os.path.join(us, "us.vkey"))]:
            with open(vkey) as f:
                key = f.read().strip()
            with open(os.path.join(folder, "node.toml"), "a") as f:
                f.write(f'\n[[peers]]\nparty = "{peer}"\nurl = "http://127.0.0.1:{port}"\nkey = "{key}"\n')
        processes = [subprocess.Popen([DETENTE, "--json", "node", "--config", os.path.join(folder, "node.toml")],
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) for folder in (us, ru)]
        for p in processes:
            p.stdout.readline()
        operator = open(os.path.join(us, "operator.token")).read().strip()
        observer = open(os.path.join(us, "observer.token")).read().strip()
        # Let the two declarations cross first.
        while True:
            _, status = call(us_port, "GET", "/api/v1/status", observer)
            if status["peers"][0]["delivered_up_to"] is not None and status["peers"][0]["received_up_to"] is not None:
                break
            time.sleep(0.05)
        bases = ["BARKSDALE", "MINOT"]
        start = time.perf_counter()
        last = None
        for i in range(n):
            moved = {"what": "moved", "from": bases[i % 2], "to": bases[(i + 1) % 2]}
            at = f"2020-10-{1 + i // 1440:02d}T{(i // 60) % 24:02d}:{i % 60:02d}:00Z"
            body = json.dumps({"kind": "movement", "notice": {"events": [
                {"uid": "US-B-B52H-001", "at": at, "change": moved}]}})
            code, answer = call(us_port, "POST", "/api/v1/notifications", operator, body)
            assert code == 201, answer
            last = answer["sequence"]
        submitted = time.perf_counter() - start
        while True:
            _, status = call(us_port, "GET", "/api/v1/status", observer)
            if status["peers"][0]["delivered_up_to"] == last:
                break
            time.sleep(0.01)
        done = time.perf_counter() - start
        for p in processes:
            p.send_signal(2)
            p.wait()
        # The record alone: the same number of entries, one durable commit each.
        key_prefix = os.path.join(tmp, "alone")
        subprocess.run([DETENTE, "keygen", "--name", "alone.example/record", "--out", key_prefix],
                       check=True, capture_output=True)
        store = "sqlite:" + os.path.join(tmp, "alone.db")
        subprocess.run([DETENTE, "log", "init", "--store", store, "--key", key_prefix + ".key", "--party", "US"],
                       check=True, capture_output=True)
        lines = "".join(f"notification {i}\n" for i in range(n))
        start = time.perf_counter()
        subprocess.run([DETENTE, "log", "append", "--store", store, "--key", key_prefix + ".key", "--kind",
                        "notification", "--treaty", "new-start", "--notice", "movement", "--lines", "--batch", "1", "--checkpoint",
                        "-"], input=lines.encode(), check=True, capture_output=True)
        alone = time.perf_counter() - start
        return n / submitted, n / done, n / alone


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    results = [one_run(n) for _ in range(runs)]
    for name, index in [("submitted/s", 0), ("end to end/s", 1), ("record alone/s", 2)]:
        values = [r[index] for r in results]
        print(f"{name:>15}: median {statistics.median(values):8.1f}  runs {', '.join(f'{v:.1f}' for v in values)}")


if __name__ == "__main__":
    main()
