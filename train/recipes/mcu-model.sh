#!/usr/bin/env bash
# Reproduces firmware/models/mcu-int8.onnx and firmware/models/mcu.hmb: the `mcu` preset (the
# Cortex-M tier) trained supervised on the finch-bird0 training files with background noise from
# the training soundscapes, quantized as the firmware runs it (front end int8, key/value cache
# int8 per frame and head) on training audio only, and its firmware blob. The finch validation
# files and the `jura` soundscapes stay out of every step (docs/quality.md).
#
#   train/recipes/mcu-model.sh [RUNS]     (default RUNS=runs; about 40 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-runs}
U=../shared/data/unlabeled
P=target/release/hark-train
cargo build --release -p hark-train

$P train --preset mcu --data ../shared/data/finch-bird0 --out $RUNS/mcu --steps 1200 \
    --warmup 100 --eval-every 200 --class-name syllable --seed 1 \
    --noise $U/opensoundscape --noise $U/birdvox --noise $U/great_tit
$P export --run $RUNS/mcu --out $RUNS/mcu-f32.onnx
train/recipes/calibration-folders.sh $RUNS
$P quantize --model $RUNS/mcu-f32.onnx --calib $RUNS/calib --check $RUNS/check --firmware \
    --out firmware/models/mcu-int8.onnx
$P export --firmware --model firmware/models/mcu-int8.onnx --out firmware/models/mcu.hmb
