#!/usr/bin/env bash
# End-to-end speed of `hark detect` (decode, resample, model, events, tables) over a folder, with
# 1 and 2 jobs alternating in one run, so both see the same machine load. Reports hark's own
# summary (wall-clock speed) and the speed per CPU-second (audio seconds over user + system CPU
# time), which other load on a shared machine disturbs much less.
# Usage: bench/detect.sh [FOLDER] [ROUNDS]   (default: ../shared/data/finch-bird0, 3 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
folder=${1:-../shared/data/finch-bird0}
rounds=${2:-3}
cargo build --release -p hark --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for round in $(seq "$rounds"); do
    for jobs in 1 2; do
        rm -rf "$out/tables"
        /usr/bin/time -f "%U %S" -o "$out/cpu" \
            target/release/hark detect "$folder" --out "$out/tables" --jobs "$jobs" --quiet 2> "$out/log"
        line=$(grep ' files: ' "$out/log")
        audio_h=$(sed -E 's/.* ([0-9.]+) h of audio.*/\1/' <<< "$line")
        per_cpu=$(awk -v h="$audio_h" '{ printf "%.0f", h * 3600 / ($1 + $2) }' "$out/cpu")
        echo "round $round, $jobs job(s): ${line#hark: } | ${per_cpu}x real time per CPU-second"
    done
done
