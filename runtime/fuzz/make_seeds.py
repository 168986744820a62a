#!/usr/bin/env python3
"""Writes the committed fuzz seeds under corpus/<target>/ (standard library only).

    python3 runtime/fuzz/make_seeds.py [--check]

Seed names state what runtime/tests/fuzz_seeds.rs asserts about them:

    good-<what>-<C>ch-<R>hz-<F>f.<ext>          decodes to F frames of C channels at R Hz
    truncated-<what>-<C>ch-<R>hz-<D>of<E>f.<ext>  decodes D frames; truncation() says D of E
    broken-<what>.<ext>                         opening or reading fails with an error
    good-<what>-<N>a.<ext>   (annotations)      parses to N annotations
    broken-<what>.<ext>      (annotations)      parsing fails with an error

With --check, only reports whether the files on disk match what would be written.
"""

import hashlib
import math
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


# ---------------------------------------------------------------- samples


def signal(frames, channels, seed=1):
    """A deterministic test signal in [-0.9, 0.9]: a chirp per channel plus a little noise."""
    state = seed
    out = []
    for n in range(frames):
        frame = []
        for c in range(channels):
            state = (state * 1103515245 + 12345) & 0x7FFFFFFF
            noise = (state / 0x7FFFFFFF - 0.5) * 0.1
            phase = 2 * math.pi * (0.01 + 0.0001 * n) * n * (c + 1) / channels
            frame.append(0.8 * math.sin(phase) + noise)
        out.append(frame)
    return out


def quantize(frames, bits):
    """Signed integers of `bits` bits."""
    scale = (1 << (bits - 1)) - 1
    return [[int(round(s * scale)) for s in f] for f in frames]


# ---------------------------------------------------------------- WAV

PCM, IEEE_FLOAT, ALAW, MULAW, ADPCM_MS, EXTENSIBLE = 1, 3, 6, 7, 2, 0xFFFE
GUID_TAIL = bytes([0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71])
SUBTYPE_PCM = struct.pack("<I", 1) + GUID_TAIL
SUBTYPE_FLOAT = struct.pack("<I", 3) + GUID_TAIL


def pcm_bytes(frames, bits, kind="int"):
    """Interleaved little-endian sample bytes as a WAV data chunk holds them."""
    out = bytearray()
    if kind == "float":
        code = "<f" if bits == 32 else "<d"
        for f in frames:
            for s in f:
                out += struct.pack(code, s)
        return bytes(out)
    for f in quantize(frames, bits):
        for s in f:
            if bits == 8:
                out.append(s + 128)  # 8-bit WAV is unsigned
            else:
                out += (s & ((1 << bits) - 1)).to_bytes(bits // 8, "little")
    return bytes(out)


def chunk(tag, body):
    pad = b"\0" if len(body) % 2 else b""
    return tag + struct.pack("<I", len(body)) + body + pad


def fmt_chunk(tag, channels, rate, bits, container=None, valid=None, mask=None, subtype=None):
    container = container or bits
    align = channels * container // 8
    body = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, container)
    if tag == EXTENSIBLE:
        mask = (1 << channels) - 1 if mask is None else mask
        body += struct.pack("<HHI", 22, valid or bits, mask) + subtype
    elif tag in (ALAW, MULAW):
        body += struct.pack("<H", 0)
    return chunk(b"fmt ", body)


def wav(fmt, data, before=b"", after=b"", data_size=None, riff_size=None):
    """A RIFF/WAVE file; `data_size`/`riff_size` override the sizes written in the header."""
    size = len(data) if data_size is None else data_size
    data_chunk = b"data" + struct.pack("<I", size) + data
    body = b"WAVE" + fmt + before + data_chunk + after
    riff = len(body) if riff_size is None else riff_size
    return b"RIFF" + struct.pack("<I", riff) + body


def alaw(s):
    """G.711 A-law code of a 16-bit sample."""
    sign = 0x80 if s >= 0 else 0
    s = min(abs(s) >> 3, 0xFFF)
    if s < 32:
        code = s >> 1
    else:
        exp = s.bit_length() - 5
        code = (exp << 4) | ((s >> exp) & 0x0F)
    return (code | sign) ^ 0x55


def mulaw(s):
    """G.711 mu-law code of a 16-bit sample."""
    sign = 0x80 if s < 0 else 0
    s = min(abs(s) >> 2, 8158) + 33
    exp = s.bit_length() - 6
    return ~(sign | (exp << 4) | ((s >> (exp + 1)) & 0x0F)) & 0xFF


def wav_seeds():
    s = {}

    def good(what, ch, rate, frames, bits=16, tag=PCM, kind="int", **kw):
        data = pcm_bytes(signal(frames, ch), bits, kind)
        fmt = fmt_chunk(tag, ch, rate, bits, **kw.pop("fmt", {}))
        s[f"good-{what}-{ch}ch-{rate}hz-{frames}f.wav"] = wav(fmt, data, **kw)

    good("u8", 1, 8000, 400, bits=8)
    good("s16", 1, 16000, 800)
    good("s16", 2, 44100, 600)
    good("s24", 1, 96000, 500, bits=24)
    good("s32", 1, 48000, 400, bits=32)
    good("s16-odd-rate", 1, 12345, 300)
    good("s16", 8, 192000, 150)
    good("f32", 1, 22050, 500, bits=32, tag=IEEE_FLOAT, kind="float")
    good("f64", 2, 32000, 250, bits=64, tag=IEEE_FLOAT, kind="float")
    ext_pcm = {"subtype": SUBTYPE_PCM}
    good("ext-s16", 6, 48000, 200, tag=EXTENSIBLE, fmt=ext_pcm)
    good("ext-s24", 4, 384000, 300, bits=24, tag=EXTENSIBLE, fmt=ext_pcm)
    good("ext-f32", 2, 11025, 300, bits=32, tag=EXTENSIBLE, kind="float",
         fmt={"subtype": SUBTYPE_FLOAT})
    # 24 valid bits in 32-bit containers, with a channel mask that names fewer channels.
    good("ext-s24in32-badmask", 3, 44100, 200, bits=32, tag=EXTENSIBLE,
         fmt={"subtype": SUBTYPE_PCM, "valid": 24, "mask": 0x1})
    # Chunks around the data: an INFO list and an odd-sized unknown chunk (padded) before it,
    # a list after it that must not be read as audio.
    info = chunk(b"LIST", b"INFO" + chunk(b"INAM", b"finch\0") + chunk(b"ICMT", b"odd\0\0"))
    good("s16-chunks", 1, 16000, 300, before=info + chunk(b"junk", b"abc"),
         after=chunk(b"LIST", b"INFOzz"))
    good("s16-fact", 1, 8000, 200, before=chunk(b"fact", struct.pack("<I", 200)))

    # G.711 (one byte a sample).
    frames = quantize(signal(300, 1), 16)
    for name, tag, code in (("alaw", ALAW, alaw), ("mulaw", MULAW, mulaw)):
        data = bytes(code(f[0]) for f in frames)
        s[f"good-{name}-1ch-8000hz-300f.wav"] = wav(fmt_chunk(tag, 1, 8000, 8), data)

    # Streaming writers leave the sizes at 0xFFFFFFFF (ffmpeg to a pipe) or 0 (never patched):
    # the length is unknown, the data runs to the end of the file, and that is not truncation.
    data = pcm_bytes(signal(500, 1), 16)
    fmt = fmt_chunk(PCM, 1, 16000, 16)
    s["good-streaming-ffff-1ch-16000hz-500f.wav"] = wav(
        fmt, data, data_size=0xFFFFFFFF, riff_size=0xFFFFFFFF)
    s["good-streaming-zero-1ch-16000hz-500f.wav"] = wav(fmt, data, data_size=0, riff_size=0)
    # Data size 0 under a real RIFF size: that size is trusted (the chunk is empty), as a writer
    # that set one size and not the other leaves no way to tell audio from further chunks.
    s["good-zero-data-riff-set-1ch-16000hz-0f.wav"] = wav(fmt, data, data_size=0)
    # Data size 0 and truly nothing after it: an empty recording, complete.
    s["good-empty-data-1ch-16000hz-0f.wav"] = wav(fmt, b"")

    # Truncated: the header announces more than the file holds.
    full = pcm_bytes(signal(1000, 1), 16)
    s["truncated-s16-1ch-16000hz-700of1000f.wav"] = wav(fmt, full)[: 44 + 1400]
    stereo = fmt_chunk(PCM, 2, 44100, 16)
    full2 = pcm_bytes(signal(1000, 2), 16)
    # Cut inside a frame: the partial frame is dropped.
    s["truncated-s16-mid-frame-2ch-44100hz-333of1000f.wav"] = wav(stereo, full2)[: 44 + 333 * 4 + 3]
    fmt32 = fmt_chunk(IEEE_FLOAT, 1, 48000, 32)
    full32 = pcm_bytes(signal(3000, 1), 32, "float")
    # Longer than one packet (symphonia reads WAV 1152 frames at a time).
    s["truncated-f32-1ch-48000hz-2500of3000f.wav"] = wav(fmt32, full32)[: 44 + 2500 * 4]
    s["truncated-header-only-1ch-16000hz-0of1000f.wav"] = wav(fmt, full)[:44]
    # A data size far beyond the file (not the streaming marker): nothing huge may be allocated.
    huge = 0xFFFFFF00
    s[f"truncated-huge-size-1ch-16000hz-300of{huge // 2}f.wav"] = wav(
        fmt, full[:600], data_size=huge, riff_size=0xFFFFFFFE)

    # Broken.
    s["broken-empty.wav"] = b""
    s["broken-riff-only.wav"] = b"RIFF\x04\0\0\0WAVE"
    s["broken-fmt-cut.wav"] = (b"RIFF\x24\0\0\0WAVE" + fmt)[:30]
    s["broken-no-fmt.wav"] = wav(b"", data)
    s["broken-zero-channels.wav"] = wav(fmt_chunk(PCM, 0, 16000, 16), data)
    s["broken-zero-rate.wav"] = wav(fmt_chunk(PCM, 1, 0, 16), data)
    s["broken-12-bit.wav"] = wav(fmt_chunk(PCM, 1, 16000, 12, container=12), data)
    adpcm = chunk(b"fmt ", struct.pack("<HHIIHHH", ADPCM_MS, 1, 8000, 4000, 256, 4, 32) + bytes(32))
    s["broken-adpcm.wav"] = wav(adpcm, data)
    s["broken-ext-40ch.wav"] = wav(
        fmt_chunk(EXTENSIBLE, 40, 16000, 16, subtype=SUBTYPE_PCM, mask=0), data)
    s["broken-data-exceeds-riff.wav"] = wav(fmt, data, data_size=0x7FFFFFFF)
    s["broken-text.wav"] = b"Selection\tBegin Time (s)\tEnd Time (s)\n1\t0.1\t0.2\n"
    s["broken-garbage.bin"] = bytes((i * 193 + 7) % 251 for i in range(512))
    return s


# ---------------------------------------------------------------- FLAC


class Bits:
    """A big-endian bit writer."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value, bits):
        for i in reversed(range(bits)):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                self.acc = self.n = 0

    def signed(self, value, bits):
        self.put(value & ((1 << bits) - 1), bits)

    def unary(self, q):
        for _ in range(q):
            self.put(0, 1)
        self.put(1, 1)

    def align(self):
        while self.n:
            self.put(0, 1)

    def bytes(self):
        assert self.n == 0
        return bytes(self.out)


def crc8(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def utf8_number(n):
    """FLAC's UTF-8-like coding of a frame number."""
    if n < 0x80:
        return bytes([n])
    out = []
    while True:
        room = 6 - len(out)  # payload bits the lead byte has left
        if n < (1 << room):
            lead = (0xFF << (7 - len(out))) & 0xFF
            return bytes([lead | n] + out[::-1])
        out.append(0x80 | (n & 0x3F))
        n >>= 6


def rice(bits, residual, k=None):
    """One partition of Rice-coded residual (partition order 0)."""
    folded = [(r << 1) if r >= 0 else ((-r << 1) - 1) for r in residual]
    if k is None:
        mean = sum(folded) / max(1, len(folded))
        k = max(0, min(14, int(math.log2(mean)) if mean >= 1 else 0))
    bits.put(0, 2)  # 4-bit Rice parameters
    bits.put(0, 4)  # partition order 0
    bits.put(k, 4)
    for u in folded:
        bits.unary(u >> k)
        bits.put(u & ((1 << k) - 1), k)


FIXED = {
    0: [],
    1: [1],
    2: [2, -1],
    3: [3, -3, 1],
    4: [4, -6, 4, -1],
}


def subframe(bits, x, bps, kind):
    """One subframe of samples `x`: ("constant",), ("verbatim",), ("fixed", order) or
    ("lpc", coefficients, precision, shift)."""
    bits.put(0, 1)
    if kind[0] == "constant":
        bits.put(0b000000, 6)
        bits.put(0, 1)
        bits.signed(x[0], bps)
    elif kind[0] == "verbatim":
        bits.put(0b000001, 6)
        bits.put(0, 1)
        for v in x:
            bits.signed(v, bps)
    elif kind[0] == "fixed":
        order = kind[1]
        bits.put(0b001000 | order, 6)
        bits.put(0, 1)
        for v in x[:order]:
            bits.signed(v, bps)
        coefs = FIXED[order]
        res = [x[n] - sum(c * x[n - 1 - j] for j, c in enumerate(coefs)) for n in range(order, len(x))]
        rice(bits, res)
    else:
        _, coefs, precision, shift = kind
        order = len(coefs)
        bits.put(0b100000 | (order - 1), 6)
        bits.put(0, 1)
        for v in x[:order]:
            bits.signed(v, bps)
        bits.put(precision - 1, 4)
        bits.signed(shift, 5)
        for c in coefs:
            bits.signed(c, precision)
        res = [x[n] - (sum(c * x[n - 1 - j] for j, c in enumerate(coefs)) >> shift)
               for n in range(order, len(x))]
        rice(bits, res)


SAMPLE_SIZE_CODE = {8: 1, 12: 2, 16: 4, 20: 5, 24: 6, 32: 7}


def flac(*args, **kwargs):
    head, frames = flac_parts(*args, **kwargs)
    return head + b"".join(frames)


def flac_parts(channels, rate, bps, frames, block=256, kinds=(("fixed", 2),),
               stereo="independent", total=None, rate_in_header=False):
    """A FLAC stream as (marker and STREAMINFO, [frame, ...]) with frames of the given subframe
    kinds (cycled over frames); `stereo` picks the channel decorrelation; `total` overrides the
    sample count STREAMINFO announces (0 = unknown)."""
    if all(k[0] == "constant" for k in kinds):
        samples = [[1000 * c - 2000 for c in range(channels)] for _ in range(frames)]
    else:
        samples = quantize(signal(frames, channels), bps)
    md5 = hashlib.md5()
    width = (bps + 7) // 8
    for f in samples:
        for v in f:
            md5.update((v & ((1 << (8 * width)) - 1)).to_bytes(width, "little"))
    info = Bits()
    info.put(block, 16)
    info.put(block, 16)
    info.put(0, 24)
    info.put(0, 24)
    info.put(rate, 20)
    info.put(channels - 1, 3)
    info.put(bps - 1, 5)
    info.put(frames if total is None else total, 36)
    head = b"fLaC" + bytes([0x80]) + (34).to_bytes(3, "big") + info.bytes() + md5.digest()
    out = []
    for index, start in enumerate(range(0, frames, block)):
        part = samples[start:start + block]
        n = len(part)
        cols = [[f[c] for f in part] for c in range(channels)]
        header = Bits()
        header.put(0b11111111111110, 14)
        header.put(0, 1)
        header.put(0, 1)  # fixed block size: frame numbers
        header.put(0b0111, 4)  # block size - 1 follows in 16 bits
        header.put(0b1101 if rate_in_header else 0, 4)  # rate in Hz follows, or STREAMINFO's
        assign = {"independent": channels - 1, "left-side": 8, "right-side": 9, "mid-side": 10}
        header.put(assign[stereo], 4)
        header.put(SAMPLE_SIZE_CODE[bps], 3)
        header.put(0, 1)
        fhead = header.bytes() + utf8_number(index) + (n - 1).to_bytes(2, "big")
        if rate_in_header:
            fhead += rate.to_bytes(2, "big")
        fhead += bytes([crc8(fhead)])
        body = Bits()
        body.out = bytearray(fhead)
        kind = kinds[index % len(kinds)]
        if stereo == "independent":
            plan = [(col, bps) for col in cols]
        else:
            left, right = cols
            side = [a - b for a, b in zip(left, right)]
            plan = {
                "left-side": [(left, bps), (side, bps + 1)],
                "right-side": [(side, bps + 1), (right, bps)],
                "mid-side": [([(a + b) >> 1 for a, b in zip(left, right)], bps), (side, bps + 1)],
            }[stereo]
        for col, width_bits in plan:
            # A last frame too short for the predictor's warm-up is written verbatim.
            subframe(body, col, width_bits, kind if n > 4 else ("verbatim",))
        body.align()
        frame = body.bytes()
        out.append(frame + crc16(frame).to_bytes(2, "big"))
    return head, out


def flac_seeds():
    s = {}
    s["good-flac-verbatim-s16-1ch-44100hz-600f.flac"] = flac(1, 44100, 16, 600, kinds=(("verbatim",),))
    s["good-flac-fixed-s16-2ch-48000hz-700f.flac"] = flac(
        2, 48000, 16, 700, kinds=(("fixed", 0), ("fixed", 1), ("fixed", 3)))
    s["good-flac-midside-s16-2ch-32000hz-600f.flac"] = flac(
        2, 32000, 16, 600, stereo="mid-side", kinds=(("fixed", 2),))
    s["good-flac-leftside-s24-2ch-96000hz-512f.flac"] = flac(
        2, 96000, 24, 512, stereo="left-side", kinds=(("fixed", 4),))
    s["good-flac-rightside-s8-2ch-8000hz-300f.flac"] = flac(
        2, 8000, 8, 300, stereo="right-side", kinds=(("fixed", 1),))
    s["good-flac-lpc-s24-1ch-384000hz-700f.flac"] = flac(
        1, 384000, 24, 700, kinds=(("lpc", [1843, -840], 12, 10), ("lpc", [3, -3, 1], 4, 0)))
    s["good-flac-constant-s16-6ch-22050hz-400f.flac"] = flac(
        6, 22050, 16, 400, kinds=(("constant",),))
    s["good-flac-rate-in-frame-s12-1ch-11025hz-300f.flac"] = flac(
        1, 11025, 12, 300, rate_in_header=True, kinds=(("fixed", 2),))
    s["good-flac-unknown-length-s16-1ch-16000hz-500f.flac"] = flac(1, 16000, 16, 500, total=0)
    head, frames = flac_parts(1, 16000, 16, 1024, block=256)
    # Cut inside the fourth frame: three whole frames remain.
    s["truncated-flac-s16-1ch-16000hz-768of1024f.flac"] = head + b"".join(frames[:3]) + frames[3][:20]
    # Without a single frame symphonia cannot open it: an error, not a truncation.
    s["broken-flac-streaminfo-only.flac"] = head
    # A damaged second frame (its CRC fails): symphonia skips it, which hark refuses (every later
    # time would be off by a frame).
    damaged = bytearray(frames[1])
    damaged[len(damaged) // 2] ^= 0x5A
    s["broken-flac-damaged-frame.flac"] = (
        head + frames[0] + bytes(damaged) + b"".join(frames[2:]))
    s["broken-flac-marker-only.flac"] = b"fLaC"
    # STREAMINFO's sample rate (20 bits from byte 18) set to 0; the frames defer to it.
    bad = bytearray(head)
    bad[18] = bad[19] = 0
    bad[20] &= 0x0F
    s["broken-flac-zero-rate.flac"] = bytes(bad) + b"".join(frames)
    return s


# ---------------------------------------------------------------- annotations


# The first lines of ../shared/data/finch-bird0 (Koumura 2016, CC BY 4.0, as tests/data/finch):
# bird 0's first Raven table and the annotation CSV, kept here so the seeds do not depend on it.
FINCH_RAVEN = [
    'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation\n',
    '1\tSpectrogram 1\t1\t1.070000\t1.154000\t0.0\t16000.0\t0\n',
    '2\tSpectrogram 1\t1\t1.258000\t1.345000\t0.0\t16000.0\t0\n',
    '3\tSpectrogram 1\t1\t1.467000\t1.555000\t0.0\t16000.0\t0\n',
    '4\tSpectrogram 1\t1\t1.659000\t1.732000\t0.0\t16000.0\t1\n',
    '5\tSpectrogram 1\t1\t1.814000\t1.878000\t0.0\t16000.0\t0\n',
    '6\tSpectrogram 1\t1\t1.943000\t2.018000\t0.0\t16000.0\t0\n',
    '7\tSpectrogram 1\t1\t2.084000\t2.168000\t0.0\t16000.0\t1\n',
    '8\tSpectrogram 1\t1\t2.233000\t2.314000\t0.0\t16000.0\t0\n',
]
FINCH_CSV = [
    'file,onset_s,offset_s,low_hz,high_hz,label\n',
    'wav/0.wav,1.070000,1.154000,,,0\n',
    'wav/0.wav,1.258000,1.345000,,,0\n',
    'wav/0.wav,1.467000,1.555000,,,0\n',
    'wav/0.wav,1.659000,1.732000,,,1\n',
    'wav/0.wav,1.814000,1.878000,,,0\n',
    'wav/0.wav,1.943000,2.018000,,,0\n',
    'wav/0.wav,2.084000,2.168000,,,1\n',
    'wav/0.wav,2.233000,2.314000,,,0\n',
]
RAVEN_HEADER = FINCH_RAVEN[0]


def raven_seeds():
    s = {}
    lines = FINCH_RAVEN
    s["good-finch-bird0-8a.txt"] = "".join(lines)
    s["good-bom-crlf-8a.txt"] = "\ufeff" + "".join(l.rstrip("\n") + "\r\n" for l in lines)
    s["good-header-only-0a.txt"] = lines[0]
    s["good-empty-0a.txt"] = ""
    s["good-two-views-2a.txt"] = (
        "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tAnnotation\n"
        "1\tWaveform 1\t1\t1.0\t1.5\tA\n1\tSpectrogram 1\t1\t1.0\t1.5\tA\n"
        "2\tSpectrogram 1\t1\t0.2\t0.4\tB\n")
    s["good-no-selection-no-label-2a.txt"] = "Begin Time (s)\tEnd Time (s)\n0.5\t0.6\n0.1\t0.2\n"
    s["good-short-rows-1a.txt"] = "Begin Time (s)\tEnd Time (s)\tAnnotation\n0.5\t0.6\n"
    s["broken-no-time-columns.txt"] = "Selection\tView\tAnnotation\n1\tWaveform 1\tA\n"
    s["broken-nan-time.txt"] = "Begin Time (s)\tEnd Time (s)\n0.5\tNaN\n"
    s["broken-negative-time.txt"] = "Begin Time (s)\tEnd Time (s)\n-0.5\t0.1\n"
    s["broken-ends-before-begins.txt"] = "Begin Time (s)\tEnd Time (s)\n0.5\t0.1\n"
    s["broken-missing-field.txt"] = "Selection\tBegin Time (s)\tEnd Time (s)\n1\t0.5\n"
    s["broken-audacity-labels.txt"] = "0.5\t0.6\tA\n"
    return s


def csv_seeds():
    s = {}
    lines = FINCH_CSV
    s["good-finch-annotations-8a.csv"] = "".join(lines)
    s["good-bom-crlf-8a.csv"] = "\ufeff" + "".join(l.rstrip("\n") + "\r\n" for l in lines)
    s["good-hark-events-3a.csv"] = (
        "file,onset_s,offset_s,class,peak,mean\n"
        "rec/a.wav,1,1.2,syllable,0.9,0.7\nrec/b.WAV,0.1,0.3,syllable,0.8,0.6\n"
        "rec\\a.wav,2,2.5,call,0.7,0.5\n")
    s["good-many-files-3a.csv"] = (
        "file,onset_s,offset_s\n2024.05.01_0600.flac,1,2\nx.Table.1.selections.txt,0,1\n"
        "./a/b.wav,3,4\n")
    s["good-header-only-0a.csv"] = "file,onset_s,offset_s,low_hz,high_hz,label\n"
    s["good-empty-0a.csv"] = ""
    s["broken-no-file-column.csv"] = "name,onset_s,offset_s\na.wav,1,2\n"
    s["broken-empty-file.csv"] = "file,onset_s,offset_s\n,1,2\n"
    s["broken-ends-before-begins.csv"] = "file,onset_s,offset_s\na.wav,2,1\n"
    s["good-quoted-comma-1a.csv"] = 'file,onset_s,offset_s\n"a,b.wav",1,2\n'
    s["broken-inf.csv"] = "file,onset_s,offset_s\na.wav,1,inf\n"
    return s


def audacity_seeds():
    s = {}
    s["good-labels-3a.txt"] = "1.070000\t1.154000\t0\n1.258000\t1.345000\t0\n1.467000\t1.555000\t1\n"
    s["good-frequency-lines-2a.txt"] = (
        "1.070000\t1.154000\tA\n\\\t200.000000\t8000.000000\n"
        "1.258000\t1.345000\tB\n\\\t150.5\t12000\n")
    s["good-no-labels-2a.txt"] = "0.25\t0.5\n0.1\t0.2\t\n"
    s["good-bom-crlf-2a.txt"] = "\ufeff0.5\t0.75\tcall\r\n\\\t1\t2\r\n0.1\t0.2\tsong\r\n"
    s["good-point-label-1a.txt"] = "3.5\t3.5\tclick\n"
    s["good-empty-0a.txt"] = ""
    s["good-blank-lines-1a.txt"] = "\n\n   \n0\t1\tx\n\n"
    s["broken-space-separated.txt"] = "0.1\t0.2\tA\n0.3 0.4 B\n"
    s["broken-ends-before-begins.txt"] = "0.5\t0.4\tB\n"
    s["broken-raven-header.txt"] = RAVEN_HEADER + "1\tSpectrogram 1\t1\t0.1\t0.2\t0\t1\tA\n"
    s["broken-one-field.txt"] = "1.5\n"
    return s


# ---------------------------------------------------------------- main


def seeds():
    decode = {**wav_seeds(), **flac_seeds()}
    as_bytes = lambda d: {k: v.encode("utf-8") for k, v in d.items()}
    return {
        "decode": decode,
        "raven": as_bytes(raven_seeds()),
        "csv": as_bytes(csv_seeds()),
        "audacity": as_bytes(audacity_seeds()),
    }


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for target, files in seeds().items():
        folder = os.path.join(CORPUS, target)
        os.makedirs(folder, exist_ok=True)
        for name, data in sorted(files.items()):
            path = os.path.join(folder, name)
            old = open(path, "rb").read() if os.path.exists(path) else None
            if old != data:
                stale.append(path)
                if not check:
                    with open(path, "wb") as f:
                        f.write(data)
    total = sum(len(d) for files in seeds().values() for d in files.values())
    print(f"{sum(len(f) for f in seeds().values())} seeds, {total} bytes; "
          f"{len(stale)} {'differ' if check else 'written'}")
    if check and stale:
        print("\n".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
