"""Checks a hark contract-1 model with onnx's full checker and streams audio through onnxruntime.

usage: check_onnx.py MODEL AUDIO_F32 EXPECTED_PROBS_F32 TOLERANCE
Exits non-zero when the checker fails or onnxruntime's probabilities differ from the expected
ones (tract's) by more than TOLERANCE.
"""
import sys

import numpy as np
import onnx
import onnxruntime as ort


def main():
    model_path, audio_path, expected_path, tol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    chunk, hop = int(meta["hark.chunk_samples"]), int(meta["hark.hop_samples"])

    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    inputs = session.get_inputs()
    state = {i.name: np.zeros(i.shape, dtype=np.float32) for i in inputs[1:]}
    outputs = [o.name for o in session.get_outputs()]

    audio = np.fromfile(audio_path, dtype="<f4")
    frames = -(-len(audio) // hop)
    padded = np.zeros(-(-len(audio) // chunk) * chunk, dtype=np.float32)
    padded[: len(audio)] = audio
    probs = []
    for start in range(0, len(padded), chunk):
        feed = {"audio": padded[None, start : start + chunk], **state}
        result = dict(zip(outputs, session.run(outputs, feed)))
        probs.append(result["probs"][0])
        state = {name: result[name.replace("state_in_", "state_out_")] for name in state}
    probs = np.concatenate(probs)[:frames].reshape(-1)

    expected = np.fromfile(expected_path, dtype="<f4")
    if probs.shape != expected.shape:
        sys.exit(f"shape mismatch: onnxruntime {probs.shape}, tract {expected.shape}")
    delta = float(np.max(np.abs(probs - expected)))
    print(f"onnx checker: ok (IR {model.ir_version}); onnxruntime {ort.__version__} vs tract: max |delta prob| {delta:.2e} over {frames} frames")
    if delta > tol:
        sys.exit(f"max |delta prob| {delta} exceeds {tol}")


if __name__ == "__main__":
    main()
