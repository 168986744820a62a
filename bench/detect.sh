#!/usr/bin/env bash
# End-to-end speed of `hark detect` (decode, resample, model, events, tables) over a folder, with
# 1 and 2 jobs alternating in one run, so both see the same machine load.
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
        line=$(target/release/hark detect "$folder" --out "$out/tables" --jobs "$jobs" --quiet 2>&1 | grep ' files: ')
        echo "round $round, $jobs job(s): ${line#hark: }"
    done
done
