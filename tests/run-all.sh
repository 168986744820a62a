#!/usr/bin/env bash
# hark's whole test suite, on a fresh Debian/Ubuntu machine that has rustup's stable Rust.
# Installs what it needs: through apt (as root), the ALSA headers cpal builds against, Python's venv module, the aarch64 cross
# linker, C library and qemu-user, and qemu-system-arm (a Cortex-M4F board for the firmware); in
# .venv, onnx and onnxruntime for the cross-check of exported models; through rustup, the
# aarch64 and thumbv7em targets.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
python3 -c 'import ensurepip, venv' 2>/dev/null || packages+=(python3 python3-venv)
command -v aarch64-linux-gnu-gcc >/dev/null || packages+=(gcc-aarch64-linux-gnu)
[ -e /usr/aarch64-linux-gnu/lib/libc.so.6 ] || packages+=(libc6-dev-arm64-cross)
command -v qemu-aarch64 >/dev/null || packages+=(qemu-user)
command -v qemu-system-arm >/dev/null || packages+=(qemu-system-arm)
pkg-config --exists alsa 2>/dev/null || packages+=(pkg-config libasound2-dev)
if [ ${#packages[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update
    $sudo apt-get install -y "${packages[@]}"
fi
if ! .venv/bin/python -c 'import numpy, onnx, onnxruntime' 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
fi
rustup target add aarch64-unknown-linux-gnu thumbv7em-none-eabihf

# Every test that needs .venv or qemu-system-arm must run it, not skip.
export HARK_REQUIRE_ONNXRUNTIME=1 HARK_REQUIRE_QEMU=1
cargo test --workspace

# The runtime's tests again on the ARM recorders' architecture: cross-built for aarch64 and run
# under qemu on a Cortex-A72 (a Raspberry Pi 4's core); tests/data/golden holds what x86_64 gave.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu -cpu cortex-a72"
# Without sound card capture there: cross-linking ALSA would need arm64 libraries.
cargo test --profile cross-test -p hark --no-default-features --target aarch64-unknown-linux-gnu
