"""Time `hamux.descend` against hand-written JAX on a dense three-layer HAM.

The workload: an identity image layer (784 units), a softmax hidden layer (1024, or `--hidden`) and a softmax label
layer (10), joined by two linear synapses; `--steps` Euler steps (20) at `--dt` (0.1). Three ways to
run the same descent are timed in one process, on the same weights and initial states:

  (a) descend   `hamux.descend(ham, xs, steps, dt, return_trace=False)`: one jitted `lax.scan`
                (and, as `descend+trace`, with the energy trace it returns by default; and, as
                `jit(descend)`, called inside the caller's own `jax.jit`, which skips its Python-side
                checks and dispatch: the compiled loop alone);
  (b) floor     the gradients written out by hand (x_img <- x_img + dt (-x_img + W1 g_hid), ...),
                no hamux, in one jitted `lax.scan`: what a careful JAX programmer would write;
  (c) loop      the loop of the hamux 0.2 README: each step calls `vham.activations`, a jitted
                `vham.dEdact` (`vham = ham.vectorize()`) and updates the states eagerly in Python.

Each is run once to compile, then timed `--repeats` times (`block_until_ready`); the table gives the
median seconds per Euler step and the ratios a/b (target: within 1.1) and c/a (target: at least 5 at
batch 1), each the median over rounds of the two times measured in the same round. All three must reach
the same states; the script checks that before timing.

Usage (from the repository root):

    JAX_PLATFORMS=cpu .venv/bin/python scripts/bench.py
    .venv/bin/python scripts/bench.py --batches 1 256 --repeats 7 --json bench_results/cpu.json
    .venv/bin/python scripts/bench.py --precision bfloat16
"""
from __future__ import annotations

import argparse
import functools
import json
import platform
import random
import statistics
import time
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr

import hamux
from hamux.ham import HAM, descend
from hamux.neurons import IdentityLayer, SoftmaxLayer
from hamux.synapses import LinearSynapse

SIZES = {"img": 784, "hid": 1024, "label": 10}


def build_ham(key, precision: str) -> HAM:
    "The reference HAM; with `precision='bfloat16'` its synapses multiply in bfloat16."
    hparams = {} if precision == "float32" else {"matmul_dtype": jnp.bfloat16}
    return HAM(
        neurons={"img": IdentityLayer(SIZES["img"]), "hid": SoftmaxLayer(SIZES["hid"]),
                 "label": SoftmaxLayer(SIZES["label"])},
        synapses={"s1": LinearSynapse.lazy(**hparams), "s2": LinearSynapse.lazy(**hparams)},
        connections=[(("img", "hid"), "s1"), (("hid", "label"), "s2")],
        key=key,
    )


def run_descend(ham, xs, steps, dt, return_trace=False):
    "(a) hamux's built-in descent."
    out, trace = descend(ham, xs, steps, dt, return_trace=return_trace)
    return out if trace is None else (out, trace)


@functools.partial(jax.jit, static_argnames="steps")
def _jit_descend(ham, xs, dt, steps):
    return descend(ham, xs, steps, dt, return_trace=False).xs


@functools.partial(jax.jit, static_argnames="steps")
def _floor(W1, W2, xs, dt, steps):
    def step(xs, _):
        x_img, x_hid, x_lab = xs
        g_hid, g_lab = jax.nn.softmax(x_hid, axis=-1), jax.nn.softmax(x_lab, axis=-1)
        mm = lambda a, W: jnp.matmul(a.astype(W.dtype), W, preferred_element_type=jnp.float32)
        u_img = -x_img + mm(g_hid, W1.T)                  # E_1 = -g_img . W1 g_hid
        u_hid = -x_hid + mm(x_img, W1) + mm(g_lab, W2.T)  # E_2 = -g_hid . W2 g_lab
        u_lab = -x_lab + mm(g_hid, W2)
        return (x_img + dt * u_img, x_hid + dt * u_hid, x_lab + dt * u_lab), None

    return jax.lax.scan(step, xs, None, length=steps)[0]


def run_floor(ham, xs, steps, dt):
    "(b) the same descent, gradients by hand, no hamux."
    W1, W2 = ham.synapses["s1"].W, ham.synapses["s2"].W
    dtype = getattr(ham.synapses["s1"], "matmul_dtype", None) or jnp.float32
    out = _floor(W1.astype(dtype), W2.astype(dtype), (xs["img"], xs["hid"], xs["label"]), jnp.float32(dt), steps)
    return dict(zip(("img", "hid", "label"), out))


@eqx.filter_jit
def _dEdact(vham, xhats, xs):
    return vham.dEdact(xhats, xs)


def run_loop(ham, xs, steps, dt):
    "(c) the hamux 0.2 README loop: activations, a jitted `dEdact` and an eager update, once per step."
    vham = ham.vectorize()
    for _ in range(steps):
        xhats = vham.activations(xs)
        grads = _dEdact(vham, xhats, xs)
        xs = jax.tree.map(lambda x, g: x - dt * g, xs, grads)
    return xs


def median_seconds(runs: dict, repeats: int) -> dict:
    """Median wall time of each `runs[name]()` over `repeats` rounds, after one run each to compile, and the
    median over rounds of each one's time divided by the floor's in the same round (as `name/floor`).

    The methods take turns within each round, so a change in the machine's load during the benchmark slows
    all of them alike; the per-round ratio is the figure least moved by it. The order of each round is drawn
    at random (seeded), because a method's time depends on the one run just before it. In a fixed rotation
    `descend` came right after the Python loop (c) in four rounds of five and the floor after `jit(descend)`;
    at batch 1, three runs in that order gave a/b of 1.04, 1.15 and 1.10, and three in random order 0.97 each."""
    for fn in runs.values():
        jax.block_until_ready(fn())
    times = {name: [] for name in runs}
    names, order = list(runs), random.Random(0)
    for _ in range(repeats):
        for name in order.sample(names, len(names)):
            t0 = time.perf_counter()
            jax.block_until_ready(runs[name]())
            times[name].append(time.perf_counter() - t0)
    ratios = {f"{name}/floor": statistics.median(t / f for t, f in zip(ts, times["floor"]))
              for name, ts in times.items() if name != "floor"}
    return {name: statistics.median(ts) for name, ts in times.items()} | ratios


def bench_batch(ham, bs: int, steps: int, dt: float, repeats: int) -> dict:
    "Seconds per step of each method at batch size `bs`, after checking that they agree."
    xs = ham.init_states(bs, key=jr.key(bs))
    xs = jax.tree.map(lambda x: 3 * x, xs)
    runs = {
        "descend": lambda: run_descend(ham, xs, steps, dt),
        "descend+trace": lambda: run_descend(ham, xs, steps, dt, return_trace=True),
        "jit(descend)": lambda: _jit_descend(ham, xs, dt, steps),
        "floor": lambda: run_floor(ham, xs, steps, dt),
        "loop": lambda: run_loop(ham, xs, steps, dt),
    }
    ref = runs["floor"]()
    for name in ("descend", "jit(descend)", "loop"):
        got = runs[name]()
        err = max(float(jnp.max(jnp.abs(got[k] - ref[k]))) for k in ref)
        if err > 2e-2:
            raise RuntimeError(f"{name} and the hand-written floor disagree by {err:.3g} at batch {bs}.")
    return {name: t if "/" in name else t / steps for name, t in median_seconds(runs, repeats).items()}


def table(results: list[dict]) -> str:
    "The results as a markdown table."
    rows = ["| batch | descend (s/step) | descend+trace | jit(descend) | floor (b) | loop (c) | a/b | jit/b | c/a |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        a, at, aj, b, c = r["descend"], r["descend+trace"], r["jit(descend)"], r["floor"], r["loop"]
        ab, jb, ca = r["descend/floor"], r["jit(descend)/floor"], r["loop/floor"] / r["descend/floor"]
        rows.append(f"| {r['batch']} | {a:.3e} | {at:.3e} | {aj:.3e} | {b:.3e} | {c:.3e} | {ab:.2f} | {jb:.2f} | "
                    f"{ca:.1f} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 256, 2048], help="batch sizes to time")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per method; the median is reported")
    ap.add_argument("--steps", type=int, default=20, help="Euler steps per descent")
    ap.add_argument("--dt", type=float, default=0.1, help="Euler step size")
    ap.add_argument("--precision", choices=["float32", "bfloat16"], default="float32",
                    help="dtype of the synapses' matmuls (states stay float32)")
    ap.add_argument("--hidden", type=int, default=SIZES["hid"], help="units of the hidden layer")
    ap.add_argument("--json", type=Path, help="also write the results to this JSON file")
    a = ap.parse_args(argv)
    if a.hidden < 1:
        ap.error(f"--hidden must be a positive number of units, got {a.hidden}")
    SIZES["hid"] = a.hidden
    ham = build_ham(jr.key(0), a.precision)
    results = [{"batch": bs, **bench_batch(ham, bs, a.steps, a.dt, a.repeats)} for bs in a.batches]
    device = jax.devices()[0]
    print(f"hamux {hamux.__version__}, jax {jax.__version__}, {device.platform} ({device.device_kind}), "
          f"{a.precision}, hidden {a.hidden}, {a.steps} steps at dt {a.dt}, median of {a.repeats}\n")
    print(table(results))
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {"hamux": hamux.__version__, "jax": jax.__version__, "platform": device.platform,
                "device": device.device_kind, "machine": platform.machine(), "precision": a.precision,
                "steps": a.steps, "dt": a.dt, "repeats": a.repeats, "hidden": a.hidden}
        a.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
