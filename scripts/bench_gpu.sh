#!/usr/bin/env bash
# The GPU figures of the benchmarks page, in one command of under 8 minutes on one GPU:
#   1. scripts/bench.py: seconds per Euler step of `descend` against the hand-written floor (and the
#      per-step loop), float32 and bfloat16, at batch 1 on the reference HAM (784-1024-10);
#   2. the same comparison at batch 4096 x hidden 4096 (float32 and bfloat16), and the bfloat16 path's
#      matmul TFLOP/s against a bare bfloat16 matmul of the same shapes, timed in the same process;
#   3. scripts/bench_solvers.py: energy gradients and wall time of every solver to tol 1e-4.
#
# Usage, from the repository root:
#   bash scripts/bench_gpu.sh            # on a machine with a GPU (refuses to run on a CPU)
#   bash scripts/bench_gpu.sh --smoke    # tiny sizes on any device (CPU included): checks that it all runs
# PYTHON=... picks the interpreter (default .venv/bin/python). Each part has its own time limit.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
SMOKE=0
if [[ "${1:-}" == "--smoke" ]]; then SMOKE=1; elif [[ $# -gt 0 ]]; then
  echo "usage: bash scripts/bench_gpu.sh [--smoke]" >&2; exit 2; fi

if [[ $SMOKE == 0 ]]; then
  platform=$("$PY" -c "import jax; print(jax.devices()[0].platform)")
  if [[ "$platform" != "gpu" ]]; then
    echo "bench_gpu.sh: the default device is '$platform', not a GPU; these are GPU figures." >&2
    echo "Run it on a machine with a GPU (jax[cuda]), or pass --smoke to check the script on this one." >&2
    exit 2
  fi
  BATCH1="--batches 1 --repeats 21"; BIG_BATCH=4096; BIG_HIDDEN=4096; BIG_REPEATS=7
  SOLVERS="--batch 256 --repeats 3 --no-ladder"; LIMIT1=75; LIMIT2=180; LIMIT3=120   # caps: 2 x 75 + 180 + 120 = 450 s < 8 min
else
  BATCH1="--batches 1 --repeats 3 --steps 4"; BIG_BATCH=8; BIG_HIDDEN=64; BIG_REPEATS=2
  SOLVERS="--batch 4 --repeats 1 --workloads random --no-ladder"; LIMIT1=900; LIMIT2=900; LIMIT3=900
fi
start=$(date +%s)

echo "## 1. descend against the floor at batch 1 (scripts/bench.py)"
for precision in float32 bfloat16; do
  timeout $LIMIT1 "$PY" scripts/bench.py $BATCH1 --precision $precision
  echo
done

echo "## 2. batch $BIG_BATCH x hidden $BIG_HIDDEN, and bfloat16 matmul TFLOP/s"
BIG_BATCH=$BIG_BATCH BIG_HIDDEN=$BIG_HIDDEN BIG_REPEATS=$BIG_REPEATS SMOKE=$SMOKE timeout $LIMIT2 "$PY" - <<'EOF'
import os, sys, time, statistics
sys.path.insert(0, "scripts")
import jax, jax.numpy as jnp, jax.random as jr
import bench                                   # scripts/bench.py: the workload, the floor and the timer

B, H, R = (int(os.environ[k]) for k in ("BIG_BATCH", "BIG_HIDDEN", "BIG_REPEATS"))
steps = 4 if os.environ["SMOKE"] == "1" else 20
bench.SIZES["hid"] = H                          # the reference HAM, hidden layer widened to H
D = bench.SIZES["img"]
dev = jax.devices()[0]
print(f"jax {jax.__version__}, {dev.platform} ({dev.device_kind}); batch {B}, layers {D}-{H}-10, {steps} Euler steps, median of {R}\n")
print("| precision | descend (s/step) | floor (s/step) | loop (s/step) | a/b |")
print("|---|---:|---:|---:|---:|")
per_step = {}
for precision in ("float32", "bfloat16"):
    ham = bench.build_ham(jr.key(0), precision)
    r = bench.bench_batch(ham, B, steps, 0.1, R)
    per_step[precision] = r
    print(f"| {precision} | {r['descend']:.3e} | {r['floor']:.3e} | {r['loop']:.3e} | {r['descend'] / r['floor']:.2f} |")

# the two big products of a step, (B, D) @ (D, H) and (B, H) @ (H, D), as bare bfloat16 matmuls
k1, k2, k3 = jr.split(jr.key(1), 3)
a = jr.normal(k1, (B, D), jnp.bfloat16); W = jr.normal(k2, (D, H), jnp.bfloat16); g = jr.normal(k3, (B, H), jnp.bfloat16)
@jax.jit
def bare(a, W, g):
    def body(c, _):
        a, g = c
        x = jnp.matmul(a, W, preferred_element_type=jnp.float32)
        y = jnp.matmul(g, W.T, preferred_element_type=jnp.float32)
        return (a + y.astype(a.dtype) * 1e-3, g + x.astype(g.dtype) * 1e-3), None
    return jax.lax.scan(body, (a, g), None, length=steps)[0]
jax.block_until_ready(bare(a, W, g))
times = []
for _ in range(R):
    t0 = time.perf_counter(); jax.block_until_ready(bare(a, W, g)); times.append(time.perf_counter() - t0)
bare_step = statistics.median(times) / steps
flops = 2 * (2 * B * D * H)                     # two (B x D x H) products per step; the label layer's are negligible
print(f"\nbfloat16 matmul throughput, {flops / 1e9:.2f} GFLOP per step (two {B}x{D}x{H} products):\n")
print("| what | s/step | TFLOP/s |")
print("|---|---:|---:|")
for name, t in (("descend, bfloat16 synapses", per_step["bfloat16"]["descend"]),
                ("floor, bfloat16", per_step["bfloat16"]["floor"]), ("bare bfloat16 matmuls", bare_step)):
    print(f"| {name} | {t:.3e} | {flops / t / 1e12:.2f} |")
EOF
echo

echo "## 3. solvers to tol 1e-4 (scripts/bench_solvers.py)"
timeout $LIMIT3 "$PY" scripts/bench_solvers.py $SOLVERS
echo
echo "bench_gpu.sh: done in $(( $(date +%s) - start )) s"
