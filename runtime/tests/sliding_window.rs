//! The sliding-window baseline of `hark bench` computes what streaming computes: re-running the
//! model's whole receptive field from a fresh state gives the cached stream's probabilities, so the
//! benchmark compares two ways to the same numbers. One layer's attention window is not enough.

mod common;

use std::sync::Arc;

use hark::bench::{SlidingWindow, receptive_field_chunks};
use hark::model::Model;
use hark::model::session::Session;

/// The largest difference, over the chunks after the first `window`, between the probabilities of
/// the stream and of the baseline re-running `window` chunks.
fn worst_difference(model: &Arc<Model>, audio: &[f32], window: usize) -> f32 {
    let chunk = model.contract.chunk_samples;
    let mut session = Session::new(model.clone()).unwrap();
    let mut baseline = SlidingWindow::new(model.clone(), window);
    let mut worst = 0.0f32;
    for (i, samples) in audio.chunks_exact(chunk).enumerate() {
        let (mut streamed, mut rerun) = (Vec::new(), Vec::new());
        session.push(samples, &mut streamed).unwrap();
        baseline.push(samples, &mut rerun).unwrap();
        assert_eq!(streamed.len(), rerun.len());
        if i >= window {
            let chunk_worst = streamed.iter().zip(&rerun).map(|(a, b)| (a - b).abs());
            worst = chunk_worst.fold(worst, f32::max);
        }
    }
    worst
}

#[test]
fn the_baseline_reruns_the_receptive_field_and_gives_the_streamed_probabilities() {
    let model = Arc::new(Model::from_bytes(hark::FINCH_MODEL).unwrap());
    // Two layers of 7 cached chunks each, and a chunk for the conv front end's tails.
    let window = receptive_field_chunks(&model);
    assert_eq!(window, 2 * 7 + 2);

    let audio =
        hark::audio::load(&common::bundled("bird0_2.wav"), model.contract.sample_rate).unwrap();
    let audio = &audio[..(window + 4) * model.contract.chunk_samples];

    // The same operations on the same numbers: bit for bit.
    let exact = worst_difference(&model, audio, window);
    assert_eq!(exact, 0.0, "the baseline differs from streaming");
    // Without the front end's chunk, the oldest frames' conv tails are silence instead of audio.
    let short = worst_difference(&model, audio, window - 1);
    assert!(short > 0.0, "one chunk fewer gives the same probabilities");
    // A runtime re-running one layer's window (8 chunks) computes something else.
    let one_layer = worst_difference(&model, audio, 8);
    assert!(
        one_layer > 1e-3,
        "one layer's window differs by only {one_layer}"
    );
}
