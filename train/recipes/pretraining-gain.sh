#!/usr/bin/env bash
# Does self-supervised pretraining help? With 10 % of the finch training files labelled and the
# same steps, fine-tune the teacher from the pretrained encoder and from scratch; compare their
# validation event F1 (metrics.jsonl of each run). Needs the pretraining run of finch-model.sh.
#
#   train/recipes/pretraining-gain.sh [RUNS]      (SEED=2 for the second pair of docs/quality.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-runs}
D=../shared/data/finch-bird0
P=target/release/hark-train
cargo build --release -p hark-train
COMMON=(--data $D --class-name syllable --label-fraction 0.1 --steps "${STEPS:-300}"
    --warmup 30 --eval-every 50 --seed "${SEED:-1}")
$P finetune --init $RUNS/pretrain "${COMMON[@]}" --out $RUNS/ft10-pretrained-seed${SEED:-1}
$P finetune --preset teacher-cpu "${COMMON[@]}" --out $RUNS/ft10-scratch-seed${SEED:-1}
