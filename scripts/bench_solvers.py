"""Energy-gradient evaluations and wall time of every `descend` solver until the largest update is below `--tol`.

Three workloads, each a batch of `--batch` (256) samples on the CPU:

  reference, random    image 784 (identity), hidden 1024 (softmax), label 10 (softmax), two linear synapses
                       with random weights, from random initial states (3 × `init_states(key=...)`);
  reference, clamped   the same HAM with 1024 MNIST-sample digits (unit scale, each of unit norm) as the
                       image-hidden weights, the image layer clamped to 256 other digits;
  DAM completion       a dense associative memory: K = 1000 MNIST-sample digits (scaled to [-1, 1]) in a
                       `HopfieldSynapse` with a softmax of beta = 0.1 (as in the example chapter) on an
                       identity layer of 784 pixels; 256 stored digits with half their pixels hidden (set to
                       0), the known half clamped.

Solvers: `Euler(dt)` for a sweep of `dt`, `AdaptiveEuler()` (the recommended solver), `BlockEuler(1.0)`,
`Anderson()`, `NewtonKrylov()` and `DiffraxODE()`. For each: the median over the batch of the energy-gradient
evaluations (`DescentResult.n_grads`, which counts a Jacobian-vector product as one), the fraction of samples
whose largest update fell below `--tol`, whether the energy ever rose by more than its float32 rounding error
(16 eps32 times the sum of the absolute values of its terms, the rule of `AdaptiveEuler`), and the median wall
time of the whole batch's `descend` call (energies saved) over `--repeats` runs after one run to compile. Then, for the figure,
the median evaluations to reach each of a ladder of tolerances, per solver.

Usage (from the repository root):

    JAX_PLATFORMS=cpu .venv/bin/python scripts/bench_solvers.py --json docs_src/guides/bench_solvers.json
    .venv/bin/python scripts/bench_solvers.py --workloads dam --repeats 1
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from tqdm.auto import tqdm

import hamux
from hamux.accelerated import Anderson, DiffraxODE, NewtonKrylov
from hamux.data import load_mnist_sample
from hamux.ham import HAM, descend
from hamux.lagrangians import LagrSoftmax
from hamux.neurons import IdentityLayer, SoftmaxLayer
from hamux.solvers import AdaptiveEuler, BlockEuler, DescentProblem, Euler, Save
from hamux.synapses import HopfieldSynapse, LinearSynapse

EULER_DTS = (0.1, 0.2, 0.5, 0.8, 1.0, 1.2, 1.5, 1.6, 1.8, 2.0)
LADDER = (3e-1, 1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4)
EPS32 = float(np.finfo(np.float32).eps)


def reference_ham(key) -> HAM:
    "The reference HAM of issue 10 (and of scripts/bench.py), with random weights."
    return HAM({"img": IdentityLayer(784), "hid": SoftmaxLayer(1024), "label": SoftmaxLayer(10)},
               {"s1": LinearSynapse.lazy(), "s2": LinearSynapse.lazy()},
               [(("img", "hid"), "s1"), (("hid", "label"), "s2")], key=key)


def workloads(bs: int) -> dict:
    "name -> (ham, initial states, clamp)."
    ham = reference_ham(jr.key(0))
    random_xs = jax.tree.map(lambda x: 3 * x, ham.init_states(bs, key=jr.key(1)))
    unit = np.asarray(load_mnist_sample(scale="unit", flatten=True).x_train, np.float32)
    W1 = unit[:1024].T / np.linalg.norm(unit[:1024], axis=1)
    clamped = eqx.tree_at(lambda h: h.synapses["s1"].W, ham, jnp.asarray(W1))
    clamped_xs = dict(random_xs, img=jnp.asarray(unit[1024:1024 + bs]))
    digits = jnp.asarray(load_mnist_sample(scale="pm1", flatten=True).x_train, jnp.float32)
    dam = HAM({"img": IdentityLayer(784)}, {"mem": HopfieldSynapse(digits[:1000], lagrangian=LagrSoftmax(beta=0.1))},
              [(("img",), "mem")])
    known = jr.uniform(jr.key(2), (bs, 784)) >= 0.5
    return {"reference, random": (ham, random_xs, None),
            "reference, clamped": (clamped, clamped_xs, {"img": True}),
            "DAM completion": (dam, {"img": jnp.where(known, digits[:bs], 0.0)}, {"img": known})}


def solvers() -> dict:
    "name -> (solver, max_steps). Euler's dt is an array, so the sweep compiles once."
    out = {f"Euler({dt})": (Euler(jnp.float32(dt)), 1000) for dt in EULER_DTS}
    out.update({"AdaptiveEuler()": (AdaptiveEuler(), 1000), "BlockEuler(1.0)": (BlockEuler(jnp.float32(1.0)), 1000),
                "Anderson()": (Anderson(), 1000), "NewtonKrylov()": (NewtonKrylov(), 200),
                "DiffraxODE()": (DiffraxODE(), 2000)})
    return out


def _rounding_scale(ham, xs, clamp):
    "Per sample: 16 eps32 times the sum of |energy terms|, at the given states."
    masks = {k: None for k in ham.neurons}
    for k, m in (clamp or {}).items():
        masks[k] = m
    per_sample = {k: m for k, m in masks.items() if m is not None and m is not True}
    shared = {k: (None if k in per_sample else m) for k, m in masks.items()}
    def one(x, ps):
        return DescentProblem(ham, {**shared, **ps}).energy_terms_and_updates(x)[1]
    return 16 * EPS32 * jax.vmap(one)(xs, per_sample)


def measure(ham, xs, clamp, solver, max_steps, tol, repeats) -> dict:
    "Run `descend` once to compile and `repeats` times to time it; the counts of the last run."
    run = lambda: descend(ham, xs, solver=solver, max_steps=max_steps, tol=tol, clamp=clamp, save=Save(energies=True),
                          throw=False)
    res = jax.block_until_ready(run())
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(run())
        times.append(time.perf_counter() - t0)
    noise = jnp.maximum(_rounding_scale(ham, xs, clamp), _rounding_scale(ham, res.xs, clamp))
    rises = jnp.diff(res.energies, axis=-1) - noise[:, None]
    return {"grads": float(jnp.median(res.n_grads)), "converged": float(jnp.mean(res.max_update < tol)),
            "rose": bool(jnp.any(rises > 0)), "max_rise": float(jnp.max(jnp.diff(res.energies, axis=-1))),
            "seconds": statistics.median(times) if times else float("nan")}


def ladder(ham, xs, clamp, solver, max_steps) -> list:
    "Median evaluations (and fraction converged) to reach each tolerance of LADDER."
    out = []
    for tol in LADDER:
        res = descend(ham, xs, solver=solver, max_steps=max_steps, tol=tol, clamp=clamp, save=Save(energies=False),
                      throw=False)
        out.append({"tol": tol, "grads": float(jnp.median(res.n_grads)),
                    "converged": float(jnp.mean(res.max_update < tol))})
    return out


def table(name: str, rows: dict, tol: float) -> str:
    "One workload's results as a markdown table."
    lines = [f"**{name}** (median over the batch; largest update < {tol:g})", "",
             "| solver | gradients | converged | energy rose | wall time (s) |", "|:---|---:|---:|:---:|---:|"]
    for s, r in rows.items():
        lines.append(f"| {s} | {r['grads']:.0f} | {r['converged']:.0%} | {'yes' if r['rose'] else 'no'} | "
                     f"{r['seconds']:.3f} |")
    return "\n".join(lines)


def target(rows: dict) -> dict:
    "Issue 10's target for AdaptiveEuler on one workload."
    sweep = {s: r for s, r in rows.items() if s.startswith("Euler(") and r["converged"] == 1.0}
    best = min(sweep, key=lambda s: sweep[s]["grads"])
    a, e = rows["AdaptiveEuler()"], rows["Euler(0.1)"]
    return {"best_euler": best, "vs_best": a["grads"] / sweep[best]["grads"], "grads_vs_0.1": e["grads"] / a["grads"],
            "time_vs_0.1": e["seconds"] / a["seconds"], "rose": a["rose"], "converged": a["converged"],
            "met": a["grads"] <= 2 * sweep[best]["grads"] and e["grads"] >= 5 * a["grads"]
                   and e["seconds"] >= 3 * a["seconds"] and not a["rose"] and a["converged"] == 1.0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=256, help="samples per workload")
    ap.add_argument("--tol", type=float, default=1e-4, help="converged once the largest update is below this")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per solver; the median is reported")
    ap.add_argument("--workloads", nargs="+", choices=["random", "clamped", "dam"], default=["random", "clamped", "dam"])
    ap.add_argument("--no-ladder", action="store_true", help="skip the tolerance ladder drawn in the figure")
    ap.add_argument("--json", type=Path, help="also write the results to this JSON file")
    a = ap.parse_args(argv)
    chosen = {"random": "reference, random", "clamped": "reference, clamped", "dam": "DAM completion"}
    loads = {name: w for name, w in workloads(a.batch).items() if name in {chosen[c] for c in a.workloads}}
    t_start = time.perf_counter()
    results, curves, targets = {}, {}, {}
    for name, (ham, xs, clamp) in loads.items():
        rows = {}
        for s, (solver, max_steps) in tqdm(solvers().items(), desc=name, leave=False):
            rows[s] = measure(ham, xs, clamp, solver, max_steps, a.tol, a.repeats)
        results[name], targets[name] = rows, target(rows)
        if not a.no_ladder:
            shown = ["Euler(0.1)", targets[name]["best_euler"], "AdaptiveEuler()", "BlockEuler(1.0)", "Anderson()",
                     "NewtonKrylov()", "DiffraxODE()"]
            curves[name] = {s: ladder(ham, xs, clamp, *solvers()[s]) for s in dict.fromkeys(shown)}
    device = jax.devices()[0]
    print(f"hamux {hamux.__version__}, jax {jax.__version__}, {device.platform} ({device.device_kind}), "
          f"batch {a.batch}, tol {a.tol:g}, median of {a.repeats} timed runs; "
          f"{time.perf_counter() - t_start:.0f} s in all\n")
    for name, rows in results.items():
        print(table(name, rows, a.tol), "\n")
        t = targets[name]
        print(f"target (AdaptiveEuler): {t['vs_best']:.2f}x the gradients of the best Euler step ({t['best_euler']}), "
              f"{t['grads_vs_0.1']:.1f}x fewer gradients and {t['time_vs_0.1']:.1f}x less time than Euler(0.1), "
              f"energy rose: {t['rose']}: {'met' if t['met'] else 'NOT met'}\n")
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {"hamux": hamux.__version__, "jax": jax.__version__, "platform": device.platform,
                "device": device.device_kind, "machine": platform.machine(), "batch": a.batch, "tol": a.tol,
                "repeats": a.repeats, "date": time.strftime("%Y-%m-%d", time.gmtime())}
        a.json.write_text(json.dumps({"meta": meta, "results": results, "targets": targets, "curves": curves},
                                     indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
