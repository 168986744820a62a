#!/usr/bin/env bash
# The GPU figures of docs/performance.md ("Many streams and GPUs"), on a machine with an NVIDIA
# GPU: the many-streams sweep on the GPU and on one CPU thread, one stream through detect and
# bench, and the large teacher's pretraining speed and loss log on each training backend
# (Vulkan, CUDA), then its fine-tuning speed on CUDA. Every part runs even if one before it fails.
# Usage: bench/gpu.sh AUDIO_DIR [OUT_DIR]   (AUDIO_DIR: unlabelled audio to pretrain on, e.g.
#        ../shared/data/unlabeled; HARK and HARK_TRAIN name prebuilt binaries, default: built
#        here with --features hark/cuda,hark-train/gpu,hark-train/cuda; PRETRAIN_STEPS,
#        PRETRAIN_BATCH; FINETUNE_DATA: an annotated folder, default tests/data/finch)
# Needs at run time: the NVIDIA driver, CUDA 13's cudart, NVRTC and headers, cuBLAS and cuDNN on
# the library path (docs/gpu.md), and a Vulkan loader (libvulkan1) for training on Vulkan.
set -uo pipefail
cd "$(dirname "$0")/.."
audio=${1:?give a folder of unlabelled audio to pretrain on}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
if [ -z "${HARK:-}" ]; then
    cargo build --release -p hark -p hark-train --features hark/cuda,hark-train/gpu,hark-train/cuda --quiet
    export HARK=target/release/hark HARK_TRAIN=target/release/hark-train
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv

echo "== many streams on the GPU"
BENCH_SECONDS=30 bench/streams.sh cuda 1 64 256 512 1024 2048 4096
echo "== many streams on one CPU thread"
BENCH_SECONDS=6 bench/streams.sh cpu 1 16 64

echo "== one stream: hark detect on the GPU gives the CPU's table"
for r in cpu cuda; do
    "$HARK" detect --runtime $r --format csv tests/data/finch/bird0_2.wav > "$out/events-$r.csv"
done
cmp "$out/events-cpu.csv" "$out/events-cuda.csv" && echo "same table on cpu and cuda"
"$HARK" bench --runtime cuda --precision f32 --seconds 15 --no-peak

for device in gpu cuda; do
    echo "== pretraining teacher-animal2vec, --device $device (audio hours per hour in metrics.jsonl)"
    "$HARK_TRAIN" pretrain --preset teacher-animal2vec --device $device --audio "$audio" \
        --steps "${PRETRAIN_STEPS:-150}" --batch "${PRETRAIN_BATCH:-32}" --warmup 15 --out "$out/pretrain-$device"
    echo "loss log: $out/pretrain-$device/metrics.jsonl (plot: bench/loss_curve.py)"
done

echo "== fine-tuning the pretrained teacher on CUDA (audio hours per hour in metrics.jsonl)"
"$HARK_TRAIN" finetune --init "$out/pretrain-cuda" --device cuda --data "${FINETUNE_DATA:-tests/data/finch}" \
    --class-name syllable --steps 60 --batch 16 --eval-every 20 --warmup 10 --out "$out/finetune-cuda"
