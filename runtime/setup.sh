#!/usr/bin/env bash
# What building hark needs beyond rustup's Rust: the ALSA headers that cpal (sound card capture
# for `hark listen`) builds against. Installs them through apt when they are missing.
set -euo pipefail
if ! pkg-config --exists alsa 2>/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update
    $sudo apt-get install -y pkg-config libasound2-dev
fi
