#!/usr/bin/env bash
# Reproduces runtime/models/finch-archive.onnx: the embedded f32 default model re-exported to
# run 8 chunks per call (archive mode, which `hark detect` uses on files: the same probabilities
# from 8 times taller products; tests/tests/equivalence.rs checks both).
#
#   train/recipes/finch-archive.sh     (seconds, once hark-train is built)
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p hark-train
target/release/hark-train archive --model runtime/models/finch.onnx --chunks 8 \
    --out runtime/models/finch-archive.onnx
