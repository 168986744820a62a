//! How fast the firmware engine runs a blob on the build machine, one thread: a yardstick for
//! running int8 students through this engine on hosts instead of tract (docs/performance.md).
//!
//!   cargo run --release -p hark-firmware --example host_speed -- BLOB.hmb [SECONDS]
//!
//! The audio is a fixed tone in noise: the engine does the same work whatever it hears.

use std::time::Instant;

use hark_firmware::{Blob, Engine};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), seconds) = (args.next(), args.next()) else {
        eprintln!("usage: host_speed BLOB.hmb [SECONDS (default 100)]");
        std::process::exit(2);
    };
    let seconds: f64 = seconds.map_or(100.0, |s| s.parse().expect("SECONDS is a number"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let blob = Blob::parse(&bytes).unwrap_or_else(|e| panic!("{path}: {e:?}"));
    let samples = blob.chunk_samples();
    let chunk_s = samples as f64 / blob.dims.sample_rate as f64;
    let chunks = (seconds / chunk_s).ceil() as usize;

    let mut seed = 1u32;
    let audio: Vec<f32> = (0..samples * 64)
        .map(|i| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (seed >> 8) as f32 / (1 << 24) as f32 - 0.5;
            0.1 * noise + 0.3 * (i as f32 * 0.3).sin()
        })
        .collect();
    let sizes = blob.arena();
    let (mut f32s, mut i8s) = (vec![0.0; sizes.f32s], vec![0; sizes.i8s]);
    let mut engine =
        Engine::new(blob.clone(), &mut f32s, &mut i8s).expect("arena sized by the blob");
    let mut probs = vec![0.0; blob.dims.chunk_frames * blob.dims.classes];
    for round in 1..=3 {
        let start = Instant::now();
        for (c, chunk) in audio.chunks_exact(samples).cycle().take(chunks).enumerate() {
            engine
                .run_chunk(chunk, &mut probs)
                .unwrap_or_else(|e| panic!("chunk {c}: {e:?}"));
        }
        let wall = start.elapsed().as_secs_f64();
        println!(
            "round {round}: {:.3} ms per {:.0} ms chunk, {:.0}x real time",
            wall * 1e3 / chunks as f64,
            chunk_s * 1e3,
            chunks as f64 * chunk_s / wall
        );
    }
}
