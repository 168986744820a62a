//! f32 and int8 matrix products in tract, one thread, at the shapes the default model uses per
//! chunk (16 rows) and at larger ones: how fast each precision's kernels run on this machine.
//!
//!     cargo run --release -p hark --example gemm

use hark::bench::gemm;

fn main() -> anyhow::Result<()> {
    println!("| m x k x n | f32 GMAC/s | int8 GMAC/s | int8 / f32 |");
    println!("| --- | --- | --- | --- |");
    let shapes = [
        (16, 64, 192),
        (16, 64, 256),
        (256, 64, 256),
        (1024, 256, 64),
        (512, 512, 512),
    ];
    for (m, k, n) in shapes {
        let (f, i) = (gemm(m, k, n, false, 5)?, gemm(m, k, n, true, 5)?);
        println!(
            "| {m} x {k} x {n} | {:.2} | {:.2} | {:.3} |",
            f / 1e9,
            i / 1e9,
            i / f
        );
    }
    Ok(())
}
