//! `hark bench` on the backends and stream counts it is asked for: a GPU that cannot be used
//! falls back to the CPU and says why; many streams need a model exported for them.

mod common;

use common::{hark, text};

#[test]
fn an_unusable_gpu_falls_back_to_the_cpu_and_says_why() {
    let o = hark(&[
        "bench",
        "--runtime",
        "cuda",
        "--precision",
        "f32",
        "--seconds",
        "0.6",
        "--no-peak",
        "--no-baseline",
    ]);
    let all = text(&o);
    assert!(o.status.success(), "{all}");
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

    let default = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default.onnx");
    let o = hark(&["bench", "--streams", "8", default.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("exported for 1 stream(s) per call, not 8"),
        "{}",
        text(&o)
    );
}
