#!/usr/bin/env bash
# hark's whole test suite, on a fresh Debian/Ubuntu machine that has rustup's stable Rust.
# Installs what it needs: Python's venv module (as root, through apt) and, in .venv, onnx and
# onnxruntime for the cross-check of exported models.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update
    $sudo apt-get install -y python3 python3-venv
fi
if ! .venv/bin/python -c 'import numpy, onnx, onnxruntime' 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
fi

# Every test that needs .venv must run it, not skip.
export HARK_REQUIRE_ONNXRUNTIME=1
cargo test --workspace
