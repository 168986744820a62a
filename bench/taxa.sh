#!/usr/bin/env bash
# Per-taxon quality: `hark detect` with each engine on every annotated set of ../shared/data
# (the multi-taxa sets and the finch files `hark-train` holds out), scored by `hark eval
# --class-agnostic` at event level (IoU > 0.3 and 0.5) and on 1 s segments. One markdown row per
# set and engine, every engine on the same files in the same run (docs/quality.md).
#
#   bench/taxa.sh [ENGINE...]
#
# ENGINE: `energy`, a bundled model's name (`default`, `finch`), an ONNX file, or `birdnet`: BirdNET V2.4's
# 3 s windows every 0.5 s from ../shared/models/birdnet (every class but the non-animal ones),
# through `hark-train label` (default: energy default). HARK=path/to/hark and
# HARK_TRAIN=path/to/hark-train pick the binaries (default: release builds).
set -euo pipefail
cd "$(dirname "$0")/.."
engines=("$@")
[ ${#engines[@]} -gt 0 ] || engines=(energy default)
D=../shared/data
[ -d "$D/multi-taxa" ] || { echo "bench/taxa.sh: needs ../shared/data beside the repository" >&2; exit 2; }
if [ -z "${HARK:-}" ]; then
    cargo build --release -p hark -p hark-train --quiet
    HARK=target/release/hark
fi
HARK_TRAIN=${HARK_TRAIN:-target/release/hark-train}
B=../shared/models/birdnet
NOT_ANIMALS=(Human Engine Environmental Fireworks Gun_Gun Noise_Noise Siren "Power tools")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The finch files `hark-train` validates on (its split.json), never trained on by a shipped model.
mkdir -p "$work/finch-val"
for n in 15 18 2 20 34 38 43 5 51 54 8 9; do
    ln -s "$(realpath $D/finch-bird0/wav/$n.wav)" "$(realpath $D/finch-bird0/wav/$n.Table.1.selections.txt)" "$work/finch-val/"
done
sets=("finch-val:$work/finch-val")
for s in "$D"/multi-taxa/*/; do
    sets+=("$(basename "$s"):$(realpath "$s/wav")")
done

# Tables of `engine` on the recordings in `dir`, written to `out`.
detect() {
    local engine=$1 dir=$2 out=$3
    case $engine in
        energy) "$HARK" detect "$dir" --out "$out" --quiet --engine energy ;;
        birdnet)
            local exclude=()
            for c in "${NOT_ANIMALS[@]}"; do exclude+=(--exclude-class "$c"); done
            "$HARK_TRAIN" label --teacher $B/BirdNET_V2.4_FP32_tract_b1.onnx \
                --teacher-config train/teachers/birdnet.toml "${exclude[@]}" --clip-hop 0.5 \
                --out "$out" "$dir" ;;
        *) "$HARK" detect "$dir" --out "$out" --quiet --model "$engine" ;;
    esac
}

echo "| set | files | events | engine | event F1 (IoU 0.3) | event F1 (IoU 0.5) | 1 s segment F1 |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for entry in "${sets[@]}"; do
    name=${entry%%:*} dir=${entry#*:}
    files=$(find -L "$dir" -maxdepth 1 -iname '*.wav' | wc -l)
    for i in "${!engines[@]}"; do
        engine=${engines[$i]} out="$work/$name-$i"
        if ! detect "$engine" "$dir" "$out" > /dev/null 2> "$work/log" ||
            ! "$HARK" eval --ref "$dir" --pred "$out" --class-agnostic --json > "$work/score.json" 2> /dev/null; then
            echo "| $name | $files | | $engine | failed | failed | failed |"
            echo "bench/taxa.sh: $engine on $name failed:" >&2
            tail -5 "$work/log" >&2
            continue
        fi
        python3 - "$work/score.json" "$name" "$files" "$engine" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["all"]
f = lambda v: "-" if v is None else f"{v:.3f}"
events = s["iou_0.3"]["tp"] + s["iou_0.3"]["fn"]
print(f"| {sys.argv[2]} | {sys.argv[3]} | {events} | {sys.argv[4]} | {f(s['iou_0.3']['f1'])} | {f(s['iou_0.5']['f1'])} | {f(s['segment']['f1'])} |")
PY
    done
done
