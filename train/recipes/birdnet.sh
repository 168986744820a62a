#!/usr/bin/env bash
# Distils a `recorder` student from BirdNET V2.4 (a clip-level public teacher, 3 s at 48 kHz)
# for "any bird" on the unlabelled soundscapes, and reports the student's agreement with BirdNET
# on held-out soundscapes (metrics.jsonl: agreement_auc, agreement_f1).
# BirdNET is CC BY-NC-SA 4.0: it is read from ../shared/models/birdnet, and neither it nor the
# student distilled from it may be committed to this repository; RUNS defaults to runs/ (ignored).
#
#   train/recipes/birdnet.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-runs}
U=../shared/data/unlabeled
B=../shared/models/birdnet
P=target/release/hark-train
cargo build --release -p hark-train

# "Any bird": every class but the non-animal ones, people, frogs and toads, insects and mammals.
NOT_BIRDS=(Human Dog_Dog Engine Environmental Fireworks Gun_Gun Noise_Noise Siren "Power tools"
    Toad Treefrog "Chorus Frog" "Cricket Frog" Bullfrog "Grass Frog" "Wood Frog" "Green Frog"
    "Pickerel Frog" "Greenhouse Frog" Peeper Spadefoot "Ground Cricket" "Tree Cricket"
    "Field Cricket" "Wood Cricket" "Bush Cricket" Katydid Conehead "Gray Squirrel" "Red Squirrel"
    Chipmunk Coyote "Gray Wolf" "White-tailed Deer" "Howler Monkey")
EXCLUDE=()
for c in "${NOT_BIRDS[@]}"; do EXCLUDE+=(--exclude-class "$c"); done

$P distill --teacher $B/BirdNET_V2.4_FP32_tract_b1.onnx --teacher-config train/teachers/birdnet.toml \
    "${EXCLUDE[@]}" --clip-hop 0.5 --audio $U/jura --audio $U/opensoundscape --audio $U/birdvox --audio $U/great_tit \
    --class-name bird --out $RUNS/birdnet-student --steps "${STEPS:-600}" --warmup 50 \
    --eval-every 100 --seed 1 --cache $RUNS/teacher-cache
$P export --run $RUNS/birdnet-student --out $RUNS/birdnet-student.onnx
