#!/usr/bin/env bash
# A call-type student: the `recorder` student with one output per Bengalese finch syllable type
# (0..8, the Raven `Annotation` of finch-bird0, CC BY 4.0), trained from scratch on the tables'
# labels (`hark-train train --classes`), quantized to int8, and scored per type on the 12 files
# every finch recipe holds out (docs/quality.md, "Finch call types"). Not shipped.
#
#   train/recipes/finch-types.sh [RUNS]     (default RUNS=runs; about 25 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-runs}
R=$RUNS/finch-types
D=../shared/data/finch-bird0/wav
cargo build --release -p hark -p hark-train
rm -rf "$R"
target/release/hark-train train --data $D --classes 0,1,2,3,4,5,6,7,8 --out "$R" --steps 1500 \
    --warmup 100 --eval-every 250 --seed 1
target/release/hark-train export --run "$R" --out "$R/types.onnx"

# The held-out files (hark-train's split) to score on; the training files to calibrate int8 on.
mkdir -p "$R/val" "$R/calib"
held_out=" 15 18 2 20 34 38 43 5 51 54 8 9 "
for wav in $D/*.wav; do
    n=$(basename "$wav" .wav)
    if [[ $held_out == *" $n "* ]]; then
        ln -sf "$(realpath "$wav")" "$(realpath $D/$n.Table.1.selections.txt)" "$R/val/"
    else
        ln -sf "$(realpath "$wav")" "$R/calib/"
    fi
done
target/release/hark-train quantize --model "$R/types.onnx" --calib "$R/calib" \
    --out "$R/types-int8.onnx"
for m in types types-int8; do
    target/release/hark detect "$R/val" --model "$R/$m.onnx" --out "$R/pred-$m" --quiet
    echo "== $m"
    target/release/hark eval --ref "$R/val" --pred "$R/pred-$m"
done
