#!/usr/bin/env bash
# Many streams through one model call per chunk (docs/performance.md, "Many streams"): the
# embedded default model re-exported for B streams per call, benched for each B on one runtime.
# A B counts as live when all B streams keep up and p99 chunk latency stays <= 50 ms.
# Usage: bench/streams.sh [cpu|cuda] [B...]   (default: cuda; 1 16 64 256 512 1024 2048)
# HARK and HARK_TRAIN name prebuilt binaries (default: built here, with --features cuda for cuda);
# BENCH_SECONDS is the audio per stream and model (default 30, over three rounds).
set -euo pipefail
cd "$(dirname "$0")/.."
runtime=${1:-cuda}
shift || true
batches=("$@")
[ ${#batches[@]} -gt 0 ] || batches=(1 16 64 256 512 1024 2048)
if [ -z "${HARK:-}" ]; then
    features=()
    [ "$runtime" = cuda ] && features=(--features hark/cuda)
    cargo build --release -p hark -p hark-train "${features[@]}" --quiet
fi
hark=${HARK:-target/release/hark}
train=${HARK_TRAIN:-target/release/hark-train}
models=$(mktemp -d)
trap 'rm -rf "$models"' EXIT
for b in "${batches[@]}"; do
    "$train" batch --model runtime/models/finch.onnx --batch "$b" --out "$models/default-b$b.onnx" > /dev/null
    "$hark" bench --runtime "$runtime" --streams "$b" --seconds "${BENCH_SECONDS:-30}" "$models/default-b$b.onnx"
    echo
done
