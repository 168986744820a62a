#!/usr/bin/env bash
# Distils a `recorder` student at 32 kHz from BirdNET V2.4 (a clip-level public teacher: 3 s
# windows at 48 kHz) for "any animal" on the unlabelled soundscapes, and teaches it when, not
# only whether: `--localize` makes each frame's target the acoustic activity where every teacher
# window holding the frame hears an animal (docs/teacher.md). The student is the upper bound the
# shipped default is compared with (bench/taxa.sh, docs/quality.md).
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
cargo build --release -p hark-train -p hark

# "Any animal": every class but the non-animal sounds and people (as bench/taxa.sh scores BirdNET).
NOT_ANIMALS=(Human Engine Environmental Fireworks Gun_Gun Noise_Noise Siren "Power tools")
EXCLUDE=()
for c in "${NOT_ANIMALS[@]}"; do EXCLUDE+=(--exclude-class "$c"); done

$P distill --teacher $B/BirdNET_V2.4_FP32_tract_b1.onnx --teacher-config train/teachers/birdnet.toml \
    "${EXCLUDE[@]}" --clip-hop 0.5 --localize --rate 32000 \
    --audio $U/jura --audio $U/opensoundscape --audio $U/birdvox --audio $U/great_tit \
    --class-name call --out $RUNS/birdnet-student --steps "${STEPS:-1200}" --warmup 100 \
    --eval-every 200 --seed 1 --cache $RUNS/teacher-cache
$P export --run $RUNS/birdnet-student --out $RUNS/birdnet-student.onnx --boundaries energy
