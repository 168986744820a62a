#!/usr/bin/env bash
# Reproduces the embedded default model: the project's own teacher (pretrained self-supervised,
# fine-tuned on the finch annotations and on field mixes of them) distilled into the `recorder`
# student (docs/quality.md), on permissively licensed data only (../shared/data: finch-bird0 CC BY 4.0, soundscapes
# BSD-3/MIT). The finch validation files and the `jura` soundscapes stay out of every step: they
# make the clean validation and the dev field-mix sets of docs/quality.md. The student trained
# from scratch that it is compared with is the embedded default (docs/quality.md), trained on
# the same data and settings without a teacher.
#
#   train/recipes/default-model.sh [RUNS]     (default RUNS=runs; about 90 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-runs}
D=$(realpath ../shared/data/finch-bird0)
U=../shared/data/unlabeled
P=target/release/hark-train
BACKGROUNDS=(--noise $U/opensoundscape --noise $U/birdvox --noise $U/great_tit)
cargo build --release -p hark-train

# Field mixes of training-split song in the training soundscapes, whose own birds are negatives.
$P synth --calls $D --split train --backgrounds $U/opensoundscape --backgrounds $U/birdvox \
    --backgrounds $U/great_tit --out $RUNS/trainmix --files 40 --seconds 30 --seed 3
# One annotated folder: the finch training files (all but the 12 validation files that
# `hark-train` holds out of finch-bird0, as its split.json lists them) and the mixes.
T=$RUNS/field-train
mkdir -p $T/finch $T/mix
VALIDATION=" 15 18 2 20 34 38 43 5 51 54 8 9 "
for wav in $D/wav/*.wav; do
    n=$(basename "$wav" .wav)
    [[ $VALIDATION == *" $n "* ]] && continue
    ln -sf "$wav" "$D/wav/$n.Table.1.selections.txt" $T/finch/
done
ln -sf "$(realpath $RUNS/trainmix/wav)"/* $T/mix/

# The teacher: data2vec-2.0 pretraining, then fine-tuning with the sigmoid focal loss on the
# annotated folder (600 steps, then resumed to 1200: the cosine schedule restarts at step 600).
$P pretrain --audio $U/opensoundscape --audio $U/birdvox --audio $U/great_tit --data $D \
    --out $RUNS/pretrain --steps 600 --seed 1 --top-k 1
TEACHER=(finetune --init $RUNS/pretrain --data $T --class-name syllable "${BACKGROUNDS[@]}"
    --out $RUNS/teacher --eval-every 100 --warmup 50 --seed 1)
$P "${TEACHER[@]}" --steps 600
$P "${TEACHER[@]}" --steps 1200 --resume
$P export --run $RUNS/teacher --teacher --out $RUNS/teacher.onnx

# The student: the teacher's soft targets on the finch recordings, mixed with the labels (0.8
# labels, 0.2 teacher), heard through the student's augmentation; the embedded default's data and
# settings otherwise. (With `--audio` soundscapes as extra teacher-labelled audio, or hard weight
# 0.5, the student missed most quiet song in the field mixes: docs/quality.md.)
STUDENT=(distill --teacher $RUNS/teacher.onnx --data $D --class-name syllable --hard-weight 0.8
    "${BACKGROUNDS[@]}" --out $RUNS/distilled --warmup 100 --eval-every 200 --seed 1
    --cache $RUNS/teacher-cache)
# 1200 steps, then resumed to 2000 (the cosine schedule restarts at step 1200).
$P "${STUDENT[@]}" --steps 1200
$P "${STUDENT[@]}" --steps 2000 --resume
$P export --run $RUNS/distilled --out runtime/models/default.onnx
