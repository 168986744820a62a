//! The load-time rewrites for tract's fast paths (`hark::model::rewrites`) change what tract
//! runs, not what the model computes: each embedded default gives the probabilities of its file
//! as written on a bundled recording, to float rounding (f32), or to where that rounding moves an
//! activation across an int8 step (int8: the bound that holds between x86_64 and aarch64,
//! tests/golden.rs). A file the runtime cannot re-encode exactly is run as written.

mod common;

use std::sync::Arc;

use hark::model::Model;
use hark::model::backend::Backend;
use hark::model::protobuf::ModelProto;
use hark::model::rewrites::{Rewrites, rewrite};
use hark::model::session::Session;
use prost::Message;

/// The probabilities of the first seconds of a bundled recording.
fn probabilities(model: Model) -> Vec<f32> {
    let model = Arc::new(model);
    let audio =
        hark::audio::load(&common::bundled("bird0_2.wav"), model.contract.sample_rate).unwrap();
    let mut session = Session::new(model.clone()).unwrap();
    let mut probs = Vec::new();
    session.push(&audio[..4 * 16_000], &mut probs).unwrap();
    assert!(!probs.is_empty());
    probs
}

fn worst(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn rewritten_defaults_give_the_probabilities_of_their_files() {
    let rewrites = |value_caches, centered_norms, folded_affines, stream_norms| Rewrites {
        value_caches,
        centered_norms,
        folded_affines,
        stream_norms,
    };
    let defaults: [(&str, &[u8], Rewrites, f32); 3] = [
        // Two value caches, four conv layers' norms, five norms before a dense layer, the same
        // five reading the residual stream.
        ("f32", hark::FINCH_MODEL, rewrites(2, 4, 5, 5), 1e-5),
        // The int8 products keep their norms as they are; the conv front end is f32.
        ("int8", hark::FINCH_INT8_MODEL, rewrites(2, 4, 0, 0), 1e-3),
        // Archive mode gathers each chunk's window of the caches already.
        (
            "archive",
            hark::FINCH_ARCHIVE_MODEL,
            rewrites(0, 4, 5, 5),
            1e-5,
        ),
    ];
    for (name, bytes, expected, tolerance) in defaults {
        let (fast, written) = (
            Model::from_bytes(bytes).unwrap(),
            Model::from_bytes_as_written(bytes, Backend::Cpu).unwrap(),
        );
        let mut proto = ModelProto::decode(bytes).unwrap();
        let frames = fast.contract.frames_per_chunk;
        assert_eq!(rewrite(&mut proto, frames), expected, "{name}");
        let operators = (fast.operators(), written.operators());
        assert!(operators.0 < operators.1, "{name}: {operators:?} operators");
        let d = worst(&probabilities(fast), &probabilities(written));
        assert!(d <= tolerance, "{name}: the rewritten graph differs by {d}");
    }
}

#[test]
fn a_file_that_does_not_re_encode_exactly_runs_as_written() {
    // A field hark's schema does not know (number 100, a varint), which re-encoding would drop.
    let mut bytes = hark::FINCH_MODEL.to_vec();
    bytes.extend([0xa0, 0x06, 0x01]);
    let loaded = probabilities(Model::from_bytes(&bytes).unwrap());
    let written = probabilities(Model::from_bytes_as_written(&bytes, Backend::Cpu).unwrap());
    assert_eq!(worst(&loaded, &written), 0.0);
}
