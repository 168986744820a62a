#!/usr/bin/env bash
# Instructions the firmware executes per second of streamed audio on a Cortex-M4F, counted under
# qemu-system-arm (mps2-an386) by bench/qemu/insn_count.c: the board binary (firmware/qemu, with
# the bundled MCU model) streams a recording read over semihosting; the count for an empty
# recording (boot, blob check, start-up) is subtracted. Set against the AudioMoth's clock, on the
# Cortex-M4's roughly one instruction per cycle (loads and divisions take more, so this is a
# lower bound on cycles).
# Needs gcc, qemu-system-arm and the rustup target thumbv7em-none-eabihf (tests/run-all.sh
# installs them).
# Usage: bench/firmware-instructions.sh [WAV]   (default: tests/data/finch/bird0_2.wav)
set -euo pipefail
cd "$(dirname "$0")/.."
wav=$(realpath "${1:-tests/data/finch/bird0_2.wav}")
(cd firmware/qemu && cargo build --release --quiet)
elf=$(realpath firmware/qemu/target/thumbv7em-none-eabihf/release/hark-firmware-qemu)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -shared -fPIC -O2 -o "$work/insn_count.so" bench/qemu/insn_count.c

# The recording as the board reads it: 16 kHz, 16-bit little-endian, no header (decimated
# without a filter: the count does not depend on what the audio holds, beyond its events).
mkdir -p "$work/full" "$work/empty"
python3 - "$wav" "$work/full/audio.s16" <<'PY'
import sys, wave, array
w = wave.open(sys.argv[1])
assert w.getsampwidth() == 2 and w.getnchannels() == 1 and w.getframerate() % 16000 == 0
a = array.array("h", w.readframes(w.getnframes()))
open(sys.argv[2], "wb").write(array.array("h", a[:: w.getframerate() // 16000]).tobytes())
PY
: > "$work/empty/audio.s16"

count() {
    (cd "$work/$1" && qemu-system-arm -machine mps2-an386 -nographic \
        -semihosting-config enable=on,target=native -plugin "$work/insn_count.so,out=$work/n" \
        -kernel "$elf" > "$work/$1.out")
    cat "$work/n"
}
full=$(count full)
empty=$(count empty)
seconds=$(python3 -c "import os; print(os.path.getsize('$work/full/audio.s16') / 32000)")
python3 - "$full" "$empty" "$seconds" "$(grep -c ^event "$work/full.out")" <<'PY'
import sys
full, empty, seconds, events = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
per_s = (full - empty) / seconds
print(f"{full - empty} instructions for {seconds:.2f} s of audio ({events} events): "
      f"{per_s / 1e6:.1f} M per audio second; AudioMoth (48 MHz): {per_s / 48e6:.2f} of real time")
PY
