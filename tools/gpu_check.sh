#!/usr/bin/env bash
# The GPU check (docs/performance.md): proves the pipeline runs on a GPU and measures what paper scale costs.
#
#   1. the whole .test DAG with `device: cuda`, in a scratch working directory (every rule, every experiment);
#   2. bench/dag_budget.py --device cuda --check: a warm-up, then 200 steps of every paper-scale training rule
#      at the real shapes (synthetic data of the datasets' shapes), on today's path and the new one, and one
#      validation each; it prints each rule's step time and the device-hours of the paper-scale DAG;
#   3. bench/levers.py --lever B F: levers B (no host sync per step) and F (cudnn.benchmark) alone, old and new
#      side by side on a few rules (DDMNIST, MedMNIST3D, SMOKE, latent), with a parameter check.
#
# Fails (exit 1) on any failed job, error, NaN or infinite loss, or device mismatch (CUDA raises when tensors
# of two devices meet). Ends with a summary to paste into docs/performance.md. About 7-9 minutes on one
# H100-class GPU (an estimate: it has never run on a GPU). Needs no root: run from anywhere after
# ./install.sh, on the machine with the GPU.
#
#   tools/gpu_check.sh                                   # the check
#   tools/gpu_check.sh --device cpu --steps 2 --cores 2  # the same on a CPU, to test the script (slow)
#   tools/gpu_check.sh [...] -- --only latent            # arguments after -- go to bench/dag_budget.py
#
# Options: --device cuda|cpu (cuda), --steps N (200), --warmup N (5), --cores N (nproc, at most 16),
# --keep (keep the scratch directory; it is always kept when something failed).
set -euo pipefail

device=cuda
steps=200
warmup=5
cores=$(nproc)
((cores > 16)) && cores=16
keep=0
budget_args=()
while (($#)); do
    case $1 in
    --device) device=$2 && shift 2 ;;
    --steps) steps=$2 && shift 2 ;;
    --warmup) warmup=$2 && shift 2 ;;
    --cores) cores=$2 && shift 2 ;;
    --keep) keep=1 && shift ;;
    --) shift && budget_args=("$@") && break ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' && exit 0 ;;
    *) echo "gpu_check: unknown option $1 (see --help)" >&2 && exit 2 ;;
    esac
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
py=$repo/.venv/bin/python
if [[ ! -x $py ]]; then
    echo "gpu_check: no $py: run ./install.sh first" >&2
    exit 2
fi
if [[ $device == cuda* ]] && ! "$py" -c 'import sys, torch; sys.exit(not torch.cuda.is_available())'; then
    echo "gpu_check: torch sees no CUDA device here ($("$py" -c 'import torch; print(torch.__version__)'))" >&2
    exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/symrep-gpu-check.XXXXXX")
failed=0
# shellcheck disable=SC2329  # called by the EXIT trap
finish() {
    if ((keep || failed)); then
        echo "gpu_check: scratch directory kept: $scratch"
    else
        rm -rf "$scratch"
    fi
}
trap finish EXIT

name=$("$py" -c "
import sys, torch
d = sys.argv[1]
print(torch.cuda.get_device_name(0) if d.startswith('cuda') else 'CPU')" "$device")
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    commit="$commit+changes"
fi
echo "gpu_check: $name, commit $commit, $(date -u +%Y-%m-%dT%H:%MZ), scratch $scratch"

# 1. the .test DAG on the device
start=$SECONDS
mkdir -p "$scratch/test"
cp -r "$repo/.test/config" "$scratch/test/config"
echo "gpu_check: 1/3 the .test DAG with device: $device ($cores cores) ..."
if "$py" -m snakemake -s "$repo/Snakefile" --directory "$scratch/test" --cores "$cores" \
    --resources gpu="$cores" --config device="$device" --show-failed-logs >"$scratch/test_dag.log" 2>&1; then
    dag=PASS
else
    dag=FAIL
    failed=1
    tail -n 60 "$scratch/test_dag.log"
fi
dag_jobs=$(awk '$1 == "total" {print $2; exit}' "$scratch/test_dag.log")
dag_s=$((SECONDS - start))
echo "gpu_check: .test DAG $dag ($dag_jobs jobs, $dag_s s; log $scratch/test_dag.log)"

# 2. every paper-scale training rule at the real shapes
start=$SECONDS
echo "gpu_check: 2/3 bench/dag_budget.py --device $device --steps $steps ..."
set +e
"$py" "$repo/bench/dag_budget.py" --device "$device" --steps "$steps" --warmup "$warmup" --check \
    --json "$scratch/budget.json" "${budget_args[@]}" | tee "$scratch/budget.md"
budget_rc=${PIPESTATUS[0]}
set -e
budget_s=$((SECONDS - start))
if ((budget_rc == 0)); then budget=PASS; else
    budget=FAIL
    failed=1
fi

# 3. levers B and F alone on a few rules
start=$SECONDS
echo "gpu_check: 3/3 bench/levers.py --lever B F ..."
if "$py" "$repo/bench/levers.py" --device "$device" --lever B F --steps 50 --warmup "$warmup" \
    --only ddmnist_train/released/C4 medmnist3d_train/described smoke_train/described/ours \
    latent_train/released/mnist_d3 | tee "$scratch/levers.md"; then
    levers=PASS
else
    levers=FAIL
    failed=1
fi
levers_s=$((SECONDS - start))

summary=$("$py" - "$scratch/budget.json" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("– | – | –")
    sys.exit()
t = r["total"]
fmt = lambda h: "–" if h is None else f"{h:.2f}"
ratio = f"{t['today'] / t['new']:.2f}x" if t["today"] and t["new"] else "–"
print(f"{fmt(t['today'])} | {fmt(t['new'])} {r['unit']} | {ratio}")
EOF
)
result=PASS
((failed)) && result=FAIL
echo
echo "----- paste into docs/performance.md (table of record; the step table above goes below it) -----"
echo "| $(date -u +%Y-%m-%d) | $name | $commit | $result | $dag ($dag_jobs jobs, $dag_s s) | $budget ($steps steps, $budget_s s) | $levers ($levers_s s) | $summary |"
echo "-----"
exit "$failed"
