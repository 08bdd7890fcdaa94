"""Two detente party nodes on loopback, as separate processes, for the
exchange benchmarks (`exchange.py`, `latency.py`). Python's standard library only.

`Network(tmp, store, parties, treaty)` writes a node of each party with `detente
init` in `tmp`, gives each the others as its peers, and `Pair(tmp, store)` is a US and a
Russian node under New START: it keeps each record in a SQLite file or in a new
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
# DETENTE_BENCH_BINARY names another build to run, for alternate runs of two builds.
DETENTE = os.environ.get("DETENTE_BENCH_BINARY", os.path.join(ROOT, "target", "release", "detente"))


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


class Network:
    """A node of each of `parties` (the first is the one benchmarked), each
    every other's peer. With `treaty` (a treaty file), every node keeps its
    record under that treaty instead of New START, and records no declaration."""

    def __init__(self, tmp, kind, parties=("US", "RU"), treaty=None):
        folders = [os.path.join(tmp, p.lower()) for p in parties]
        ports = [free_port() for _ in parties]
        self.us_port = ports[0]
        # Each node needs the others' keys before it starts: write keys first.
        for folder, party, port in zip(folders, parties, ports):
            subprocess.run([DETENTE, "init", "--party", party, "--dir", folder, "--listen", f"127.0.0.1:{port}"],
                           check=True, capture_output=True)
        for folder in folders:
            config = os.path.join(folder, "node.toml")
            with open(config) as f:
                text = f.read()
            store = new_store(tmp, os.path.basename(folder), kind)
            lines = []
            for line in text.splitlines():
                if line.startswith("store = "):
                    line = f'store = "{store}"'
                elif treaty and line.startswith("declaration = "):
                    continue
                elif treaty and line.startswith("treaty = "):
                    line = f'treaty = "{os.path.splitext(os.path.basename(treaty))[0]}"\ntreaties = ["{treaty}"]'
                lines.append(line + "\n")
            with open(config, "w") as f:
                f.write("".join(lines))
            with open(config, "a") as f:
                for other, party, port in zip(folders, parties, ports):
                    if other == folder:
                        continue
                    with open(os.path.join(other, party.lower() + ".vkey")) as k:
                        key = k.read().strip()
                    f.write(f'\n[[peers]]\nparty = "{party}"\nurl = "http://127.0.0.1:{port}"\nkey = "{key}"\n')
        # DETENTE_BENCH_LOGS names a folder to keep each node's log in (us.log, ru.log, …).
        logs = os.environ.get("DETENTE_BENCH_LOGS")
        self.processes = [subprocess.Popen([DETENTE, "--json", "node", "--config", os.path.join(folder, "node.toml")],
                                           stdout=subprocess.PIPE,
                                           stderr=open(os.path.join(logs, os.path.basename(folder) + ".log"), "w")
                                           if logs else subprocess.DEVNULL)
                          for folder in folders]
        for p in self.processes:
            p.stdout.readline()
        self.operator = open(os.path.join(folders[0], "operator.token")).read().strip()
        self.observer = open(os.path.join(folders[0], "observer.token")).read().strip()
        if not treaty:
            # The declarations cross first, so that the benchmark starts with
            # every peer up to date.
            while not all(p["delivered_up_to"] is not None and p["received_up_to"] is not None
                          for p in self.status()["peers"]):
                time.sleep(0.05)

    def status(self):
        return call(self.us_port, "GET", "/api/v1/status", self.observer)[1]

    def wait_delivered(self, sequence, every=0.01):
        """Until every peer's receipt for `sequence` is in the first node's record."""
        while any(p["delivered_up_to"] != sequence for p in self.status()["peers"]):
            time.sleep(every)

    def stop(self):
        for p in self.processes:
            p.send_signal(2)
            p.wait()


def Pair(tmp, kind):
    """A US and a Russian node under New START, each with its declaration."""
    return Network(tmp, kind)
