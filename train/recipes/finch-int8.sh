#!/usr/bin/env bash
# Reproduces runtime/models/finch-int8.onnx: the embedded f32 default model quantized to int8
# (docs/quality.md), calibrated on training audio only: the finch-bird0 training files and the
# training soundscapes. The finch validation files and the `jura` soundscapes, which make the
# clean validation and the dev field-mix sets, are the held-out --check set.
#
#   train/recipes/finch-int8.sh [RUNS]     (default RUNS=runs; under a minute)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-runs}
cargo build --release -p hark-train
train/recipes/calibration-folders.sh $RUNS

target/release/hark-train quantize --model runtime/models/finch.onnx --calib $RUNS/calib \
    --check $RUNS/check --out runtime/models/finch-int8.onnx
