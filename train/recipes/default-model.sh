#!/usr/bin/env bash
# Reproduces the embedded default model: the project's own teacher (pretrained self-supervised,
# fine-tuned on the finch annotations) distilled into the `recorder` student, on permissively
# licensed data only (../shared/data: finch-bird0 CC BY 4.0, soundscapes BSD-3/MIT).
# The `jura` soundscapes stay out of every step: they are the dev field-mix backgrounds.
#
#   train/recipes/default-model.sh [RUNS]     (default RUNS=runs; about 90 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-runs}
D=../shared/data/finch-bird0
U=../shared/data/unlabeled
P=target/release/hark-train
BACKGROUNDS=(--noise $U/opensoundscape --noise $U/birdvox --noise $U/great_tit)
cargo build --release -p hark-train

# Field mixes of training-split song in the training soundscapes: unlabelled audio for the teacher.
$P synth --calls $D --split train --backgrounds $U/opensoundscape --backgrounds $U/birdvox \
    --backgrounds $U/great_tit --out $RUNS/trainmix --files 40 --seconds 30 --seed 3

# The teacher: data2vec-2.0 pretraining, then fine-tuning with the sigmoid focal loss.
$P pretrain --audio $U/opensoundscape --audio $U/birdvox --audio $U/great_tit --data $D \
    --out $RUNS/pretrain --steps "${PRETRAIN_STEPS:-600}" --seed 1
$P finetune --init $RUNS/pretrain --data $D --class-name syllable "${BACKGROUNDS[@]}" \
    --out $RUNS/teacher --steps "${FINETUNE_STEPS:-600}" --eval-every 100 --warmup 50 --seed 1
$P export --run $RUNS/teacher --teacher --out $RUNS/teacher.onnx

# The student, from the teacher's soft targets on the annotated files and the field mixes.
$P distill --teacher $RUNS/teacher.onnx --data $D --class-name syllable "${BACKGROUNDS[@]}" \
    --audio $RUNS/trainmix/wav --out $RUNS/distilled --steps "${DISTILL_STEPS:-1600}" \
    --warmup 100 --eval-every 200 --seed 1 --cache $RUNS/teacher-cache
$P export --run $RUNS/distilled --out runtime/models/default.onnx
