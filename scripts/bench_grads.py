"""Memory and time of one training step of a HAM: unrolled against implicit gradients.

The workload: a dense classifier HAM, an identity image layer (784 units, clamped to a batch of
`--batch` (64) MNIST digits from `hamux.data.load_mnist_sample`), a softmax hidden layer (`--hidden`,
256) and a softmax label layer (10), joined by two linear synapses. One training step is: descend
`steps` Euler steps at `--dt` (0.1) from zeros, read the label probabilities, take the cross-entropy,
differentiate it with respect to every array of the HAM, and apply an Adam update. It is run with

  unrolled   `adjoint=UnrolledAdjoint()`: backpropagation through every Euler step;
  implicit   `adjoint=ImplicitAdjoint(linear_solver=lineax.GMRES(rtol=--rtol, atol=--rtol))` (or
             BiCGStab with `--solver bicgstab`): the implicit function theorem at the final state
             (one matrix-free adjoint solve per sample), the forward descent not stored; with
             `throw=False`, so that a solve far from equilibrium reports its gradient's error below
             instead of stopping the benchmark;
  onestep    `adjoint=OneStepAdjoint()`: the one-step (Jacobian-free) approximation of the implicit
             gradient, no solve;

at each of `--steps` (20 100 500). For each, the step is compiled ahead of time with `jax.jit` and:

  memory     read from XLA's analysis of the compiled executable (`compiled.memory_analysis()`):
             `temp` is the scratch memory it allocates (where the stored descent lives), `peak` is
             temp + arguments + outputs - aliased bytes. This is what XLA plans to allocate, on any
             backend (CPU included), not a measurement of the process's RSS;
  time       median wall time of `--repeats` steps after one warm-up run (`block_until_ready`);
  agreement  the relative difference of the implicit and one-step gradients from the unrolled one, and
             how far the descent was from equilibrium (largest |dx/dt| of a free unit at the end): the implicit
             gradient is exact only at an equilibrium.

Usage (from the repository root):

    JAX_PLATFORMS=cpu .venv/bin/python scripts/bench_grads.py
    .venv/bin/python scripts/bench_grads.py --steps 20 100 --repeats 3 --json bench_results/grads.json
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
import lineax as lx
import optax

import hamux
from hamux.data import load_mnist_sample
from hamux.ham import HAM
from hamux.neurons import IdentityLayer, SoftmaxLayer
from hamux.synapses import LinearSynapse
from hamux.adjoint import ImplicitAdjoint, OneStepAdjoint, UnrolledAdjoint
from hamux.training import equilibrium, readout


def build_ham(key, hidden: int) -> HAM:
    "The benchmark classifier: 784 image units, `hidden` softmax units, 10 softmax labels."
    return HAM({"img": IdentityLayer(784), "hid": SoftmaxLayer(hidden), "label": SoftmaxLayer(10)},
               {"s1": LinearSynapse.lazy(), "s2": LinearSynapse.lazy()},
               [(("img", "hid"), "s1"), (("hid", "label"), "s2")], key=key)


def loss_fn(ham, x, y, adjoint, steps: int, dt: float):
    "Cross-entropy of the label probabilities read out after `steps` Euler steps with the image clamped."
    probs = readout(ham, {"img": x}, "label", steps, dt, adjoint=adjoint)
    return -jnp.mean(jnp.log(probs[jnp.arange(len(y)), y] + 1e-9))


def compiled_step(ham, x, y, optimizer, adjoint, steps: int, dt: float):
    "One training step (loss, gradient, Adam update), compiled ahead of time; also its gradient alone."
    params, static = eqx.partition(ham, eqx.is_inexact_array)
    opt_state = optimizer.init(params)

    def grads(params, x, y):
        return jax.grad(lambda p: loss_fn(eqx.combine(p, static), x, y, adjoint, steps, dt))(params)

    def step(params, opt_state, x, y):
        updates, opt_state = optimizer.update(grads(params, x, y), opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    t0 = time.perf_counter()
    compiled = jax.jit(step).lower(params, opt_state, x, y).compile()
    return compiled, params, opt_state, jax.jit(grads), time.perf_counter() - t0


def memory(compiled) -> dict:
    "XLA's memory plan of a compiled executable, in MiB."
    m = compiled.memory_analysis()
    mib = 2.0 ** 20
    peak = m.temp_size_in_bytes + m.argument_size_in_bytes + m.output_size_in_bytes - m.alias_size_in_bytes
    return {"temp_mib": m.temp_size_in_bytes / mib, "peak_mib": peak / mib}


def median_seconds(fn, repeats: int) -> float:
    "Median wall time of `fn()` over `repeats` runs, after one warm-up run."
    jax.block_until_ready(fn())
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def distance_from_equilibrium(ham, x, steps: int, dt: float) -> float:
    "The largest |dx/dt| of a free unit after the descent."
    xs = {**ham.init_states(len(x)), "img": x}
    u = ham.updates(equilibrium(ham, xs, steps, dt, clamp={"img": True}))
    return max(float(jnp.abs(u[k]).max()) for k in ("hid", "label"))


def linear_solver(name: str, rtol: float) -> lx.AbstractLinearSolver:
    "The lineax solver of the implicit adjoint."
    cls = {"gmres": lx.GMRES, "bicgstab": lx.BiCGStab}[name]
    return cls(rtol=rtol, atol=rtol, max_steps=100 if name == "gmres" else 2000)


def bench(ham, x, y, steps: int, dt: float, repeats: int, solver: lx.AbstractLinearSolver) -> list[dict]:
    "Memory, time and agreement of the three adjoints at one number of steps."
    optimizer = optax.adam(1e-3)
    rows, grads = [], {}
    adjoints = (("unrolled", UnrolledAdjoint()), ("implicit", ImplicitAdjoint(linear_solver=solver, throw=False)),
                ("onestep", OneStepAdjoint()))
    for name, adjoint in adjoints:
        compiled, params, opt_state, grad_fn, compile_s = compiled_step(ham, x, y, optimizer, adjoint, steps, dt)
        seconds = median_seconds(lambda: compiled(params, opt_state, x, y), repeats)
        grads[name] = grad_fn(params, x, y)
        rows.append({"adjoint": name, "steps": steps, **memory(compiled), "seconds": seconds,
                     "compile_s": compile_s})
    den = sum(float(jnp.sum(a ** 2)) for a in jax.tree.leaves(grads["unrolled"]))
    residual = distance_from_equilibrium(ham, x, steps, dt)
    for row in rows:
        row["residual"] = residual
        if row["adjoint"] != "unrolled":
            num = sum(float(jnp.sum((a - b) ** 2)) for a, b in zip(jax.tree.leaves(grads["unrolled"]),
                                                                   jax.tree.leaves(grads[row["adjoint"]])))
            row["rel_diff"] = (num / den) ** 0.5
    return rows


def table(results: list[dict]) -> str:
    "The results as a markdown table."
    out = ["| steps | adjoint | temp (MiB) | peak (MiB) | time/step (s) | compile (s) | max abs dx/dt at end "
           "| grad rel. diff vs unrolled |",
           "|---:|:---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        diff = f"{r['rel_diff']:.1e}" if "rel_diff" in r else "-"
        out.append(f"| {r['steps']} | {r['adjoint']} | {r['temp_mib']:.2f} | {r['peak_mib']:.2f} | "
                   f"{r['seconds']:.3f} | {r['compile_s']:.1f} | {r['residual']:.1e} | {diff} |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, nargs="+", default=[20, 100, 500], help="Euler steps per descent")
    ap.add_argument("--batch", type=int, default=64, help="images per training step")
    ap.add_argument("--hidden", type=int, default=256, help="units in the hidden layer")
    ap.add_argument("--dt", type=float, default=0.1, help="Euler step size")
    ap.add_argument("--solver", choices=["gmres", "bicgstab"], default="gmres",
                    help="the implicit adjoint's lineax solver")
    ap.add_argument("--rtol", type=float, default=1e-5, help="rtol (and atol) of the implicit adjoint's solver")
    ap.add_argument("--repeats", type=int, default=5, help="timed steps per configuration; the median is reported")
    ap.add_argument("--json", type=Path, help="also write the results to this JSON file")
    a = ap.parse_args(argv)
    data = load_mnist_sample(flatten=True)
    x, y = data.x_train[:a.batch], data.y_train[:a.batch]
    ham = build_ham(jr.key(0), a.hidden)
    solver = linear_solver(a.solver, a.rtol)
    results = [row for steps in a.steps for row in bench(ham, x, y, steps, a.dt, a.repeats, solver)]
    device = jax.devices()[0]
    print(f"hamux {hamux.__version__}, jax {jax.__version__}, {device.platform} ({device.device_kind}); "
          f"784-{a.hidden}-10, batch {a.batch}, dt {a.dt}, implicit solver {a.solver} (rtol = atol = {a.rtol}); "
          f"memory from XLA's memory_analysis(), time the median of {a.repeats}\n")
    print(table(results))
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {"hamux": hamux.__version__, "jax": jax.__version__, "platform": device.platform,
                "device": device.device_kind, "machine": platform.machine(), "batch": a.batch,
                "hidden": a.hidden, "dt": a.dt, "solver": a.solver, "rtol": a.rtol, "repeats": a.repeats}
        a.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
