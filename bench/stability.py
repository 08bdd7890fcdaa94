#!/usr/bin/env python3
"""detente's stability analysis against a straightforward Python/NumPy version
of the same model, on the same inputs, in one run.

Reproduce (from the repository root; needs `pip install numpy`):

    python3 bench/stability.py

The Python version is what an analyst would write today: the scenario read
with tomllib, the model in plain Python with NumPy where it vectorises (the
stop rule as an argmin over every whole number of counterforce warheads),
loops over trials and grid cells. It follows docs/analysis.md: the same
counterforce segments (kill probabilities averaged over the striker's prompt
warheads), the same costs, ratios and index. detente's stop rule searches a
continuous attack, so its minimum is at most the grid's; the script checks
that the two indexes agree to 1e-4.

What it times:

1. one index (US and Russia, fas-2025): `detente-bench stability-timing`
   against the Python function, each the median of many calls on one core;
2. a 200 x 200 sweep (US alert rate x Russian Yars mobile loading): the whole
   `detente analyze sweep ... --csv` process on both cores, against the Python
   double loop (one core; NumPy does not parallelise this);
3. 1,000,000 Monte Carlo trials with the four uncertain parameters of the
   criterion benchmark: the whole `detente analyze stability --trials`
   process, against Python trials. Python runs PY_TRIALS trials (default
   20,000) and its time is scaled to 1,000,000; the means are compared
   within sampling error.

It prints a table and writes bench/out/stability.json.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "data/scenarios/fas-2025.toml"
DETENTE = ROOT / "target/release/detente"
BENCH = ROOT / "target/release/detente-bench"
LN5 = math.log(5.0)
PY_TRIALS = int(os.environ.get("PY_TRIALS", "20000"))


def load(path: Path) -> tuple[dict, dict]:
    """The model's constants and each party's systems, as plain dicts."""
    data = tomllib.loads(path.read_text())
    model = {
        "damage_exponent": 0.75,
        "surcharge": 0.3,
        "survivable_availability": 0.9,
        "launch_under_attack_saves": 0.9,
        "fratricide": 1.0,
        "lethal_radius_nmi_per_cube_root": 2.62,
    }
    model.update(data.get("model", {}))
    parties = {}
    for party in data["parties"]:
        systems = []
        for s in party["systems"]:
            systems.append(
                {
                    "name": s["name"],
                    "prompt": s["kind"] in ("icbm", "slbm"),
                    "fixed": s["basing"] == "fixed",
                    "launchers": float(s["launchers"]),
                    "warheads_per_launcher": float(s["warheads_per_launcher"]),
                    "yield_kt": float(s["yield_kt"]),
                    "cep_m": float(s["cep_m"]),
                    "reliability": float(s["reliability"]),
                    "alert_rate": float(s.get("alert_rate", 1.0)),
                    "hardness_psi": float(s["hardness_psi"]),
                }
            )
        parties[party["party"]] = {"systems": systems, "value_w80": float(party["value_w80"])}
    return model, parties


def warheads(system: dict) -> float:
    return system["launchers"] * system["warheads_per_launcher"]


def launchable(model: dict, posture: dict, prompt_only: bool) -> float:
    total = 0.0
    for s in posture["systems"]:
        if prompt_only and not s["prompt"]:
            continue
        total += warheads(s) if s["fixed"] else warheads(s) * model["survivable_availability"]
    return total


def segments(model: dict, striker: dict, victim: dict, lua: bool) -> list[tuple[float, float]]:
    prompt = [s for s in striker["systems"] if s["prompt"] and warheads(s) > 0]
    total = sum(warheads(s) for s in prompt)
    out = []
    if total <= 0:
        return out
    c = model["lethal_radius_nmi_per_cube_root"]
    for t in victim["systems"]:
        launchers = t["launchers"] if t["fixed"] else t["launchers"] * (1 - t["alert_rate"])
        if launchers <= 0 or t["warheads_per_launcher"] <= 0:
            continue
        kill = 0.0
        for s in prompt:
            radius = c * 1852.0 * (s["yield_kt"] / 1000.0) ** (1 / 3) / t["hardness_psi"] ** (1 / 3)
            sspk = 1.0 - 0.5 ** ((radius / s["cep_m"]) ** 2)
            kill += warheads(s) * s["reliability"] * sspk
        kill /= total
        exposed = 1.0 - model["launch_under_attack_saves"] if (t["fixed"] and lua) else 1.0
        per = t["warheads_per_launcher"] * exposed
        out.append((launchers, per * kill))
        out.append((launchers, per * (1 - kill) * model["fratricide"] * kill))
    out = [seg for seg in out if seg[1] > 0]
    out.sort(key=lambda seg: -seg[1])
    return out


def first_strike(model: dict, striker: dict, victim: dict, lua: bool) -> tuple[float, float, float]:
    """(striker's cost, victim's cost, victim's surviving warheads) at the stop rule."""
    segs = segments(model, striker, victim, lua)
    available = launchable(model, striker, False)
    prompt = launchable(model, striker, True)
    victim_warheads = sum(warheads(s) for s in victim["systems"])
    xs, ks, spent, killed = [0.0], [0.0], 0.0, 0.0
    for length, efficiency in segs:
        length = min(length, prompt - spent)
        if length <= 0:
            break
        spent += length
        killed += length * efficiency
        xs.append(spent)
        ks.append(killed)
    s = np.append(np.arange(0.0, math.floor(spent) + 1.0), spent)
    retaliation = np.maximum(victim_warheads - np.interp(s, xs, ks), 0.0)
    countervalue = np.maximum(available - s, 0.0)
    d_striker = 1.0 - np.exp(-retaliation * LN5 / striker["value_w80"])
    d_victim = 1.0 - np.exp(-countervalue * LN5 / victim["value_w80"])
    e, k = model["damage_exponent"], model["surcharge"]
    c_striker = d_striker**e + k * (1.0 - d_victim**e)
    c_victim = d_victim**e + k * (1.0 - d_striker**e)
    lowest = c_striker.min()
    ties = np.nonzero(c_striker <= lowest + 1e-12)[0]
    best = ties[np.argmax(c_victim[ties])]
    return float(c_striker[best]), float(c_victim[best]), float(retaliation[best])


def stability(model: dict, a: dict, b: dict) -> float:
    c1_a, c2_b, _ = first_strike(model, a, b, False)
    c1_b, c2_a, _ = first_strike(model, b, a, False)
    r_a = 1.0 if c2_a <= 0 else min(1.0, c1_a / c2_a)
    r_b = 1.0 if c2_b <= 0 else min(1.0, c1_b / c2_b)
    return r_a * r_b


def median_call_us(function, calls: int) -> float:
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return time.perf_counter() - started, done.stdout


def main() -> int:
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "detente", "-p", "detente-bench"], check=True, cwd=ROOT)
    model, parties = load(SCENARIO)
    us, ru = parties["US"], parties["RU"]
    results = {}

    # 1. One index, one core each.
    rust = json.loads(subprocess.run([str(BENCH), "stability-timing", str(SCENARIO), "20000"], check=True, capture_output=True, text=True, cwd=ROOT).stdout)
    python_index = stability(model, us, ru)
    assert abs(python_index - rust["index"]) < 1e-4, (python_index, rust["index"])
    python_us = median_call_us(lambda: stability(model, us, ru), 300)
    results["index"] = {"detente_us": rust["median_us"], "python_us": python_us, "detente_index": rust["index"], "python_index": python_index}

    # 2. A 200 x 200 sweep.
    xs, ys = np.linspace(0.0, 1.0, 200), np.linspace(1.0, 4.0, 200)
    yars = next(s for s in ru["systems"] if s["name"] == "Yars mobile (SS-27 Mod 2)")
    rust_runs = []
    for _ in range(3):
        seconds, out = timed([str(DETENTE), "analyze", "sweep", "--x", "US.alert_rate=0:1:200", "--y", "RU[Yars mobile (SS-27 Mod 2)].warheads_per_launcher=1:4:200", "--csv"])
        rust_runs.append(seconds)
    rust_cells = np.loadtxt(out.splitlines()[1:], delimiter=",")
    started = time.perf_counter()
    grid = np.empty((200, 200))
    for row, loading in enumerate(ys):
        yars["warheads_per_launcher"] = loading
        for column, alert in enumerate(xs):
            for s in us["systems"]:
                s["alert_rate"] = alert
            grid[row, column] = stability(model, us, ru)
    python_sweep = time.perf_counter() - started
    model, parties = load(SCENARIO)
    us, ru = parties["US"], parties["RU"]
    gaps = np.abs(grid.ravel() - rust_cells[:, 2])
    largest_gap = float(gaps.max())
    # Where two attacks cost the striker almost the same, the whole-warhead grid and the
    # continuous search can settle on different ones, and the victim's cost (so the index)
    # differs there; elsewhere the two agree closely.
    assert largest_gap < 1e-3 and float(np.median(gaps)) < 1e-5, (largest_gap, float(np.median(gaps)))
    results["sweep"] = {
        "detente_s": statistics.median(rust_runs),
        "python_s": python_sweep,
        "largest_difference": largest_gap,
        "median_difference": float(np.median(gaps)),
        "cells_differing_by_more_than_1e-4": int((gaps > 1e-4).sum()),
    }

    # 3. Monte Carlo: 1,000,000 trials in detente, PY_TRIALS in Python, scaled.
    vary = ["US.cep_m*=triangular(0.7,1,1.5)", "RU.alert_rate=uniform(0.1,0.6)", "model.fratricide=uniform(0.5,1)", "RU.value_w80=uniform(200,400)"]
    command = [str(DETENTE), "analyze", "stability", "--trials", "1000000", "--seed", "7", "--json"]
    for v in vary:
        command += ["--vary", v]
    rust_runs = []
    for _ in range(3):
        seconds, out = timed(command)
        rust_runs.append(seconds)
    rust_mc = json.loads(out)["result"]["index"]
    rng = np.random.default_rng(7)
    base_cep = {s["name"]: s["cep_m"] for s in us["systems"]}
    indexes = np.empty(PY_TRIALS)
    started = time.perf_counter()
    for trial in range(PY_TRIALS):
        scale = rng.triangular(0.7, 1.0, 1.5)
        for s in us["systems"]:
            s["cep_m"] = base_cep[s["name"]] * scale
        alert = rng.uniform(0.1, 0.6)
        for s in ru["systems"]:
            s["alert_rate"] = alert
        model["fratricide"] = rng.uniform(0.5, 1.0)
        ru["value_w80"] = rng.uniform(200.0, 400.0)
        indexes[trial] = stability(model, us, ru)
    python_mc = (time.perf_counter() - started) * 1_000_000 / PY_TRIALS
    standard_error = math.hypot(indexes.std(ddof=1) / math.sqrt(PY_TRIALS), rust_mc["sd"] / 1000.0)
    assert abs(indexes.mean() - rust_mc["mean"]) < 4 * standard_error, (indexes.mean(), rust_mc["mean"], standard_error)
    results["monte_carlo"] = {"detente_s": statistics.median(rust_runs), "python_s_scaled": python_mc, "python_trials": PY_TRIALS, "detente_mean": rust_mc["mean"], "python_mean": float(indexes.mean())}

    rows = [
        ("one index (US, Russia)", f"{results['index']['detente_us']:.2f} µs", f"{results['index']['python_us']:.0f} µs", results["index"]["python_us"] / results["index"]["detente_us"]),
        ("200 x 200 sweep", f"{results['sweep']['detente_s']:.3f} s", f"{results['sweep']['python_s']:.1f} s", results["sweep"]["python_s"] / results["sweep"]["detente_s"]),
        ("1,000,000 Monte Carlo trials", f"{results['monte_carlo']['detente_s']:.2f} s", f"{results['monte_carlo']['python_s_scaled']:.0f} s (scaled from {PY_TRIALS:,})", results["monte_carlo"]["python_s_scaled"] / results["monte_carlo"]["detente_s"]),
    ]
    print(f"{'':32} {'detente':>12} {'Python/NumPy':>32} {'faster':>8}")
    for name, rust_text, python_text, ratio in rows:
        print(f"{name:32} {rust_text:>12} {python_text:>32} {ratio:>7.0f}x")
    out_dir = ROOT / "bench/out"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "stability.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
