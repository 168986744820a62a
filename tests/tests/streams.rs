//! Many streams through one model call: the embedded default re-exported for B streams gives
//! each stream what that stream gives alone (on the CPU, and with the `cuda` feature on a GPU),
//! and says clearly how it must be fed.

use std::sync::Arc;

use hark::audio::time_expansion::TimeExpansion;
use hark::model::Model;
use hark::model::backend::Backend;
use hark::model::multi_session::MultiSession;
use hark::model::protobuf::ModelProto;
use hark::model::session::Session;
use hark::stream::channels::detect_each_channel;
use hark::stream::engine::EngineSpec;
use hark::stream::events::EventRules;
use hark_tests::{bundled_finch, tract_probs};
use hark_train::export::student::CallShape;
use hark_train::export::variant::call_variant;
use prost::Message;

/// The embedded default model re-exported to run `streams` streams per call.
fn default_for(streams: usize) -> Vec<u8> {
    let default = ModelProto::decode(hark::FINCH_MODEL).unwrap();
    let shape = CallShape { chunks: 1, streams };
    call_variant(&default, shape).unwrap().encode_to_vec()
}

/// `seconds` of each bundled recording at 16 kHz: different birds' days, one per stream.
fn recordings(seconds: usize) -> Vec<Vec<f32>> {
    let mut files: Vec<_> = std::fs::read_dir(bundled_finch())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let mut audio = hark::audio::load(f, 16_000).unwrap();
            assert!(audio.len() >= seconds * 16_000, "{} is short", f.display());
            audio.truncate(seconds * 16_000 + 1_000); // a partial last chunk too
            audio
        })
        .collect()
}

/// Streams the bundled recordings together on `backend`; each must get what it gets alone
/// from a one-stream session on the CPU.
fn each_stream_gets_what_it_gets_alone(backend: Backend) {
    let streams = recordings(10);
    let model = Model::from_bytes_on(&default_for(streams.len()), backend).unwrap();
    let model = Arc::new(model);
    assert_eq!(model.contract.streams, streams.len());

    let mut session = MultiSession::new(model).unwrap();
    let mut probs = vec![Vec::new(); streams.len()];
    let len = streams[0].len();
    let mut start = 0;
    // Uneven blocks, as a multichannel recorder's driver delivers them.
    for block in [1237, 4000, 17, 2560].iter().cycle() {
        let end = (start + block).min(len);
        let blocks: Vec<&[f32]> = streams.iter().map(|s| &s[start..end]).collect();
        session.push(&blocks, &mut probs).unwrap();
        start = end;
        if start == len {
            break;
        }
    }
    session.finish(&mut probs).unwrap();

    let mut spread = 0.0f32;
    for (audio, together) in streams.iter().zip(&probs) {
        let alone = tract_probs(hark::FINCH_MODEL, audio);
        assert_eq!(together.len(), alone.len());
        assert_eq!(alone.len(), audio.len().div_ceil(160));
        let max_delta = alone
            .iter()
            .zip(together)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        eprintln!("{backend}: max |delta prob| {max_delta:.2e}");
        assert!(max_delta <= 1e-4, "max |delta prob| {max_delta}");
        spread = spread.max(alone.iter().copied().fold(0.0, f32::max));
    }
    // Streams must differ from each other, or a mix-up of rows would go unseen.
    assert_ne!(probs[0], probs[1]);
    assert!(spread > 0.9, "no stream holds a confident call ({spread})");
}

#[test]
fn each_stream_gets_what_it_gets_alone_on_the_cpu() {
    each_stream_gets_what_it_gets_alone(Backend::Cpu);
}

#[cfg(feature = "cuda")]
#[test]
fn each_stream_gets_what_it_gets_alone_on_the_gpu() {
    if let (Backend::Cpu, Some(why)) = Backend::Cuda.usable() {
        assert!(
            std::env::var_os("HARK_REQUIRE_CUDA").is_none(),
            "HARK_REQUIRE_CUDA is set but CUDA is unusable: {why}"
        );
        eprintln!("SKIPPED: no usable GPU ({why})");
        return;
    }
    each_stream_gets_what_it_gets_alone(Backend::Cuda);
}

/// `hark detect --each-channel` on a multichannel file: one many-stream call per chunk finds on
/// every channel what one-stream sessions find on it.
#[test]
fn each_channel_of_a_file_in_one_call_per_chunk() {
    let streams = recordings(10);
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("recorder.wav");
    let spec = hound::WavSpec {
        channels: streams.len() as u16,
        sample_rate: 16_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(&wav, spec).unwrap();
    for i in 0..streams[0].len() {
        for s in &streams {
            writer.write_sample(s[i]).unwrap();
        }
    }
    writer.finalize().unwrap();

    let detect = |model: &[u8]| {
        let model = Arc::new(Model::from_bytes(model).unwrap());
        let rules = EventRules::from_contract(&model.contract);
        detect_each_channel(&EngineSpec::Model(model), &wav, rules, TimeExpansion::Auto).unwrap()
    };
    let together = detect(&default_for(streams.len()));
    let alone = detect(hark::FINCH_MODEL);
    assert_eq!(together.events.len(), alone.events.len());
    for (t, a) in together.events.iter().zip(&alone.events) {
        assert_eq!(
            (t.channel, t.onset_s, t.offset_s),
            (a.channel, a.onset_s, a.offset_s)
        );
        assert!((t.peak - a.peak).abs() <= 1e-4, "{t:?} vs {a:?}");
    }
    for channel in 0..streams.len() {
        let on = |e: &&hark::stream::events::Event| e.channel == channel;
        assert!(
            alone.events.iter().filter(on).count() > 5,
            "channel {channel}"
        );
    }

    let model = Arc::new(Model::from_bytes(&default_for(2)).unwrap());
    let rules = EventRules::from_contract(&model.contract);
    let why = detect_each_channel(&EngineSpec::Model(model), &wav, rules, TimeExpansion::Auto)
        .unwrap_err();
    let expected = format!("runs 2 streams per call but the file has {}", streams.len());
    assert!(why.to_string().contains(&expected), "{why}");
}

#[test]
fn one_stream_variant_is_the_streaming_model_itself() {
    assert!(default_for(1) == hark::FINCH_MODEL);
}

#[test]
fn many_stream_models_say_how_they_must_be_fed() {
    let model = Arc::new(Model::from_bytes(&default_for(3)).unwrap());
    let why = Session::new(model.clone()).err().unwrap().to_string();
    assert!(why.contains("runs 3 streams per call"), "{why}");

    let mut session = MultiSession::new(model).unwrap();
    let mut probs = vec![Vec::new(); 3];
    let (a, b) = (vec![0.0; 100], vec![0.0; 99]);
    let why = session
        .push(&[&a, &a, &b], &mut probs)
        .unwrap_err()
        .to_string();
    assert!(why.contains("stream 2 got 99 samples"), "{why}");
    let why = session.push(&[&a, &a], &mut probs).unwrap_err().to_string();
    assert!(why.contains("runs 3 streams, given 2"), "{why}");

    let archive = ModelProto::decode(hark::FINCH_ARCHIVE_MODEL).unwrap();
    let why = format!(
        "{:#}",
        call_variant(
            &archive,
            CallShape {
                chunks: 1,
                streams: 2
            }
        )
        .unwrap_err()
    );
    assert!(
        why.contains("already runs several chunks or streams"),
        "{why}"
    );
}
