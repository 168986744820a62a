//! Puts memory.x where cortex-m-rt's link.x finds it, and sizes the engine's RAM for the
//! bundled model exactly (its `Blob::arena`), so the ELF's static RAM is what the model needs.
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    std::fs::copy("memory.x", out.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=../models/mcu.hmb");

    let bytes = std::fs::read("../models/mcu.hmb").expect("firmware/models/mcu.hmb");
    let blob = hark_firmware::Blob::parse(&bytes).expect("firmware/models/mcu.hmb reads");
    let arena = blob.arena();
    let sizes = format!(
        "/// f32 values the engine needs for the bundled model.\nconst F32S: usize = {};\n\
         /// i8 values the engine needs for the bundled model.\nconst I8S: usize = {};\n\
         /// The bundled model's chunk, in samples.\nconst CHUNK: usize = {};\n",
        arena.f32s,
        arena.i8s,
        blob.chunk_samples()
    );
    std::fs::write(out.join("arena.rs"), sizes).unwrap();
}
