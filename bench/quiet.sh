#!/usr/bin/env bash
# Quiet where nothing calls: events each engine gives on 3 minutes of nuisance sounds (wind, rain,
# aircraft, handling thumps, traffic; `hark-train synth --occupancy 0 --nuisance 12 --seed 101`
# over a white floor) and on 30 s of steady white noise at -65, -45 and -25 dBFS. An event is
# counted under every nuisance it overlaps. One markdown row per engine, every engine on the same
# audio (docs/quality.md, "Quiet where nothing calls").
#
#   bench/quiet.sh [ENGINE...]
#
# ENGINE: `energy`, a bundled model's name, or an ONNX file; `FILE:model` runs a model with its
# own boundaries instead of the energy detector's (`--boundaries model`). Default: energy default.
# HARK=path/to/hark and HARK_TRAIN=path/to/hark-train pick the binaries (default: release builds).
# Needs nothing from ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
engines=("$@")
[ ${#engines[@]} -gt 0 ] || engines=(energy default)
if [ -z "${HARK:-}" ]; then
    cargo build --release -p hark -p hark-train --quiet
    HARK=target/release/hark
fi
HARK_TRAIN=${HARK_TRAIN:-target/release/hark-train}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The white floors: the mixes' background, and the three steady levels on their own.
python3 - "$work" <<'PY'
import os, random, struct, sys
work, rate = sys.argv[1], 32000
def wav(path, seconds, dbfs, seed):
    rng = random.Random(seed)
    rms = 10 ** (dbfs / 20)
    data = struct.pack(f"<{seconds * rate}f", *(rng.gauss(0, rms) for _ in range(seconds * rate)))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<IHHIIHH", 16, 3, 1, rate, rate * 4, 4, 32))
        f.write(b"data" + struct.pack("<I", len(data)) + data)
wav(f"{work}/floor/white.wav", 30, -65, 1)
for i, dbfs in enumerate([-65, -45, -25]):
    wav(f"{work}/steady/white{dbfs}.wav", 30, dbfs, 10 + i)
PY
"$HARK_TRAIN" synth --backgrounds "$work/floor" --out "$work/mix" --files 6 --seconds 30 \
    --snr-db=0,10 --occupancy 0 --rate 32000 --seed 101 --synthetic-calls 1 --nuisance 12 > /dev/null

echo "| engine | events on the nuisances | rain | wind | thumps | aircraft | traffic | white noise -65 / -45 / -25 dBFS, 30 s each |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for i in "${!engines[@]}"; do
    engine=${engines[$i]} out="$work/out-$i"
    case $engine in
        energy) args=(--engine energy) ;;
        *:model) args=(--model "${engine%:model}" --boundaries model) ;;
        *) args=(--model "$engine") ;;
    esac
    "$HARK" detect "$work/mix/wav" --out "$out/mix" --quiet "${args[@]}" 2> /dev/null
    "$HARK" detect "$work/steady" --out "$out/steady" --quiet "${args[@]}" 2> /dev/null
    python3 - "$work" "$out" "$engine" <<'PY'
import csv, glob, os, sys
work, out, engine = sys.argv[1:]
def events(table):
    with open(table) as f:
        return [(float(r["Begin Time (s)"]), float(r["End Time (s)"]))
                for r in csv.DictReader(f, delimiter="\t")]
stem = lambda p: os.path.basename(p).split(".")[0]
nuisances = list(csv.DictReader(open(f"{work}/mix/nuisances.csv")))
kinds = ["rain", "wind", "thumps", "aircraft", "traffic"]
total, per = 0, dict.fromkeys(kinds, 0)
for table in glob.glob(f"{out}/mix/*.txt"):
    for a, b in events(table):
        total += 1
        for n in nuisances:
            if stem(n["file"]) == stem(table) and float(n["onset_s"]) < b and float(n["offset_s"]) > a:
                per[n["kind"]] += 1
steady = " / ".join(str(len(events(f"{out}/steady/white{d}.Table.1.selections.txt"))) for d in (-65, -45, -25))
print(f"| {engine} | {total} | " + " | ".join(str(per[k]) for k in kinds) + f" | {steady} |")
PY
done
