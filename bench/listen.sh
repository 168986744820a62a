#!/usr/bin/env bash
# `hark listen` end to end through the capture ring, with a paced source (a bundled recording
# replayed in a loop; ALSA's file plugin is not paced, see docs/listen.md):
#   1. latency: real-time pace for SECONDS; from the arrival at the ring of the last sample of the
#      frame that decided an event to the event's report (p50/p99/max), and the worker's load;
#   2. endurance: HOURS of audio as fast as the worker takes it (nothing dropped), with resident
#      memory from the activity log's minute lines, first and last.
# Usage: bench/listen.sh [SECONDS] [HOURS]   (default: 120 s, 24 h)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
hours=${2:-24}
cargo build --release -p hark --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
wav=tests/data/finch/bird0_2.wav

summary() {
    python3 - "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t, l = s["totals"], s["latency_ms"]
print(f"events {s['events']}, latency p50 {l['p50']} ms, p99 {l['p99']} ms, max {l['max']} ms, "
      f"load {100 * s['load']:.1f} %, dropped {t['samples_dropped']} of {t['samples_arrived']}, "
      f"slowest callback {t['slowest_callback_ms']:.3f} ms, peak RSS {s['peak_rss_bytes'] / 1e6:.1f} MB, "
      f"wall {s['seconds']} s")
PY
}

mkdir -p "$out/latency"
target/release/hark listen --replay "$wav" --loop --speed 1 --duration "$seconds" --quiet \
    --out "$out/latency" > /dev/null 2> /dev/null
echo "latency ($seconds s at real-time pace): $(summary "$out"/latency/*.summary.json)"

mkdir -p "$out/soak"
target/release/hark listen --replay "$wav" --loop --speed 0 --duration "$((hours * 3600))" --quiet \
    --out "$out/soak" > /dev/null 2> /dev/null
echo "endurance ($hours h of audio, unpaced): $(summary "$out"/soak/*.summary.json)"
grep ' status ' "$out"/soak/*.log | sed -E 's/.*status ([0-9:]+) \(audio ([0-9:]+)\).*rss ([0-9.]+ MB).*/  wall \1  audio \2  rss \3/'
