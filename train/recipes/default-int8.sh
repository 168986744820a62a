#!/usr/bin/env bash
# Reproduces runtime/models/default-int8.onnx: the embedded f32 default model quantized to int8
# (docs/quality.md), calibrated on training audio only: the finch-bird0 training files and the
# training soundscapes. The finch validation files and the `jura` soundscapes, which make the
# clean validation and the dev field-mix sets, are the held-out --check set.
#
#   train/recipes/default-int8.sh [RUNS]     (default RUNS=runs; under a minute)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-runs}
D=$(realpath ../shared/data/finch-bird0)
U=$(realpath ../shared/data/unlabeled)
cargo build --release -p hark-train

mkdir -p $RUNS/calib $RUNS/check
VALIDATION=" 15 18 2 20 34 38 43 5 51 54 8 9 "
for wav in $D/wav/*.wav; do
    n=$(basename "$wav" .wav)
    if [[ $VALIDATION == *" $n "* ]]; then
        ln -sf "$wav" $RUNS/check/
    else
        ln -sf "$wav" $RUNS/calib/finch-$n.wav
    fi
done
for s in opensoundscape birdvox great_tit; do
    for wav in $U/$s/*.wav; do ln -sf "$wav" $RUNS/calib/$s-$(basename "$wav"); done
done
ln -sf $U/jura/*.wav $RUNS/check/

target/release/hark-train quantize --model runtime/models/default.onnx --calib $RUNS/calib \
    --check $RUNS/check --out runtime/models/default-int8.onnx
