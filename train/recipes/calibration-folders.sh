#!/usr/bin/env bash
# Links the audio int8 quantization calibrates on and is checked on, under RUNS:
#   RUNS/calib  training audio only: the finch-bird0 training files and the training soundscapes
#   RUNS/check  held out: the 12 finch validation files and the `jura` soundscapes (the clean
#               validation and dev field-mix sets of docs/quality.md)
#
#   train/recipes/calibration-folders.sh RUNS
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=$1
D=$(realpath ../shared/data/finch-bird0)
U=$(realpath ../shared/data/unlabeled)
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
