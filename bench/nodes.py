"""Two detente party nodes on loopback, as separate processes, for the
exchange benchmarks (`exchange.py`, `latency.py`). Python's standard library only.

`Pair(tmp, store)` writes a US and a Russian node with `detente init` in `tmp`,
gives each the other as its peer, keeps each record in a SQLite file or in a new
database on the PostgreSQL server that `scripts/with-postgres` starts
(`store` is "sqlite" or "postgres"), starts both, and waits until each
party's declaration has reached the other.
"""

import http.client
import json
import os
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DETENTE = os.path.join(ROOT, "target", "release", "detente")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, token, body=None, connection=None):
    """One request; the answer's status and JSON. A given connection is kept open."""
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    answer = json.loads(response.read() or b"null")
    if own:
        connection.close()
    return response.status, answer


def new_store(tmp, name, kind):
    """The store address for a record called `name`: a SQLite file, or a new PostgreSQL database."""
    if kind == "sqlite":
        return "sqlite:" + os.path.join(tmp, name + ".db")
    server = os.environ["DETENTE_TEST_POSTGRES"]
    database = f"detente_bench_{os.getpid()}_{time.monotonic_ns()}_{name}"
    subprocess.run(["psql", "-q", f"{server}/postgres", "-c", f"CREATE DATABASE {database}"], check=True)
    return f"{server}/{database}"


class Pair:
    def __init__(self, tmp, kind):
        us, ru = os.path.join(tmp, "us"), os.path.join(tmp, "ru")
        self.us_port, ru_port = free_port(), free_port()
        # Each node needs the other's key before it starts: write keys first.
        for folder, party, port in [(us, "US", self.us_port), (ru, "RU", ru_port)]:
            subprocess.run([DETENTE, "init", "--party", party, "--dir", folder, "--listen", f"127.0.0.1:{port}"],
                           check=True, capture_output=True)
        for folder, peer, port, vkey in [(us, "RU", ru_port, os.path.join(ru, "ru.vkey")),
                                         (ru, "US", self.us_port, os.path.join(us, "us.vkey"))]:
            with open(vkey) as f:
                key = f.read().strip()
            config = os.path.join(folder, "node.toml")
            with open(config) as f:
                text = f.read()
            store = new_store(tmp, os.path.basename(folder), kind)
            with open(config, "w") as f:
                f.write("".join(f'store = "{store}"\n' if line.startswith("store = ") else line + "\n"
                                for line in text.splitlines()))
            with open(config, "a") as f:
                f.write(f'\n[[peers]]\nparty = "{peer}"\nurl = "http://127.0.0.1:{port}"\nkey = "{key}"\n')
        # DETENTE_BENCH_LOGS names a folder to keep each node's log in (us.log, ru.log).
        logs = os.environ.get("DETENTE_BENCH_LOGS")
        self.processes = [subprocess.Popen([DETENTE, "--json", "node", "--config", os.path.join(folder, "node.toml")],
                                           stdout=subprocess.PIPE,
                                           stderr=open(os.path.join(logs, os.path.basename(folder) + ".log"), "w")
                                           if logs else subprocess.DEVNULL)
                          for folder in (us, ru)]
        for p in self.processes:
            p.stdout.readline()
        self.operator = open(os.path.join(us, "operator.token")).read().strip()
        self.observer = open(os.path.join(us, "observer.token")).read().strip()
        while True:
            peer = self.status()["peers"][0]
            if peer["delivered_up_to"] is not None and peer["received_up_to"] is not None:
                break
            time.sleep(0.05)

    def status(self):
        return call(self.us_port, "GET", "/api/v1/status", self.observer)[1]

    def wait_delivered(self, sequence, every=0.01):
        while self.status()["peers"][0]["delivered_up_to"] != sequence:
            time.sleep(every)

    def stop(self):
        for p in self.processes:
            p.send_signal(2)
            p.wait()
