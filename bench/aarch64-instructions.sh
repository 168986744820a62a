#!/usr/bin/env bash
# Instructions a model executes per second of streamed audio on aarch64, counted under qemu-aarch64
# by bench/qemu/insn_count.c, on Raspberry Pi-class cores: Cortex-A72 (Pi 4: NEON) and Cortex-A76
# (Pi 5: NEON with dot products). `hark bench --no-peak` streams S seconds of test audio
# through the model chunk by chunk (three runs of S/3 s, each rounded up to whole 160 ms chunks);
# the count for 4 s (27 chunks) is subtracted from the count for 16 s (102 chunks), which leaves
# 75 chunks, 12 s of streaming, without start-up and model loading.
# Needs gcc, gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user and the rustup target
# aarch64-unknown-linux-gnu (tests/run-all.sh installs them).
# Usage: bench/aarch64-instructions.sh [MODEL...]   (default: the embedded f32 and int8 models)
set -euo pipefail
cd "$(dirname "$0")/.."
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(f32 int8)
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
# Without live capture (ALSA): nothing here records.
cargo build --release -p hark --no-default-features --target aarch64-unknown-linux-gnu --quiet
hark=target/aarch64-unknown-linux-gnu/release/hark
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -shared -fPIC -O2 -o "$work/insn_count.so" bench/qemu/insn_count.c

# Guest instructions of `hark bench` on CPU with MODEL (a file, or f32 / int8: embedded) for S s.
count() {
    local cpu=$1 model=$2 seconds=$3
    local choice=("$model")
    [ -f "$model" ] || choice=(--precision "$model")
    qemu-aarch64 -L /usr/aarch64-linux-gnu -cpu "$cpu" -plugin "$work/insn_count.so,out=$work/n" \
        "$hark" bench "${choice[@]}" --no-peak --no-baseline --seconds "$seconds" > /dev/null 2>&1
    cat "$work/n"
}

echo "| core | model | M instructions per audio second | fewer than the first |"
echo "| --- | --- | --- | --- |"
for cpu in cortex-a72 cortex-a76; do
    base=""
    for model in "${models[@]}"; do
        short=$(count "$cpu" "$model" 4)
        long=$(count "$cpu" "$model" 16)
        per_s=$(awk -v a="$short" -v b="$long" 'BEGIN { printf "%.1f", (b - a) / 12 / 1e6 }')
        base=${base:-$per_s}
        echo "| $cpu | $model | $per_s | $(awk -v b="$base" -v x="$per_s" 'BEGIN { printf "%.2fx", b / x }') |"
    done
done
