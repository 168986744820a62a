//! `hark bench` on the backends, stream counts and models it is asked for: a GPU that cannot be
//! used falls back to the CPU and says why; many streams need a model exported for them; each
//! model after the first is compared with the first.

mod common;

use common::{hark, text};

/// A short `hark bench ARGS` (under a second of audio, no GEMM peak, no baseline) that must
/// succeed; its stdout and stderr.
fn quick_bench(args: &[&str]) -> String {
    let quick = ["--seconds", "0.6", "--no-peak", "--no-baseline"];
    let o = hark(&[&["bench"], args, &quick].concat());
    let all = text(&o);
    assert!(o.status.success(), "{all}");
    all
}

#[test]
fn an_unusable_gpu_falls_back_to_the_cpu_and_says_why() {
    let all = quick_bench(&["--runtime", "cuda", "--precision", "f32"]);
    if cfg!(feature = "gpu") {
        eprintln!("built with CUDA: the fallback message shows only where no GPU is usable");
    } else {
        assert!(all.contains("cannot run on the GPU"), "{all}");
        assert!(all.contains("built without CUDA"), "{all}");
    }
    assert!(all.contains("tract, streaming"), "no streaming row: {all}");
}

#[test]
fn many_streams_need_a_model_exported_for_them() {
    let o = hark(&["bench", "--streams", "8", "--seconds", "0.6"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("hark-train batch"), "{}", text(&o));

    let default = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/finch.onnx");
    let o = hark(&["bench", "--streams", "8", default.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("exported for 1 stream(s) per call, not 8"),
        "{}",
        text(&o)
    );
}

#[test]
fn each_model_is_compared_with_the_first() {
    let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let (f32, int8) = (models.join("finch.onnx"), models.join("finch-int8.onnx"));
    let all = quick_bench(&[f32.to_str().unwrap(), int8.to_str().unwrap()]);
    let line = all
        .lines()
        .find(|l| l.starts_with("model 2 / model 1"))
        .unwrap_or_else(|| panic!("no comparison: {all}"));
    let ratio: f64 = line
        .split_whitespace()
        .nth(4)
        .unwrap()
        .trim_end_matches('x')
        .parse()
        .unwrap();
    assert!(ratio > 0.0 && ratio.is_finite(), "{line}");
}
