//! The bundled general detector ("any animal") stays quiet where no animal calls: over wind, rain,
//! traffic, handling thumps and aircraft laid into a quiet noise floor (the synth's nuisance
//! generator, seeds other than the training mixes'), and in silence; the energy engine beside it
//! on the same audio. Needs nothing from ../shared.

use std::path::Path;
use std::sync::Arc;

use hark::audio::decode::ChannelChoice;
use hark::model::Model;
use hark::sinks::{Encoding, write_wav};
use hark::stream::energy::EnergyConfig;
use hark::stream::engine::EngineSpec;
use hark::stream::pipeline::detect_file;
use hark_train::data::recordings::audio_files;
use hark_train::synth::{Split, SynthConfig, synthesize};

const RATE: u32 = 32_000;

/// Events `spec` finds in each WAV under `dir`, with its own rules.
fn events_in(spec: &EngineSpec, dir: &Path) -> usize {
    audio_files(dir)
        .unwrap()
        .iter()
        .map(|wav| {
            let rules = spec.default_rules().unwrap();
            detect_file(spec, wav, ChannelChoice::MixDown, rules)
                .unwrap()
                .events
                .len()
        })
        .sum()
}

#[test]
fn the_general_detector_stays_quiet_on_nuisances_and_silence() {
    let dir = tempfile::tempdir().unwrap();
    // A quiet night: a recorder's white self-noise at -65 dBFS, and digital silence. (Louder
    // steady hiss still sets the detector off now and then: docs/quality.md.)
    let floor = dir.path().join("floor");
    std::fs::create_dir_all(&floor).unwrap();
    let mut state = 1u64;
    let white: Vec<f32> = (0..RATE as usize * 30)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.002
        })
        .collect();
    write_wav(&floor.join("white.wav"), &white, RATE, Encoding::Float32).unwrap();
    let silence = dir.path().join("silence");
    std::fs::create_dir_all(&silence).unwrap();
    write_wav(
        &silence.join("zeros.wav"),
        &vec![0.0; RATE as usize * 10],
        RATE,
        Encoding::Float32,
    )
    .unwrap();

    // Three minutes of nuisances (about 12 a minute) and no call at all.
    let mixes = dir.path().join("nuisances");
    let summary = synthesize(&SynthConfig {
        calls: None,
        csv: None,
        split: Split::All,
        val_fraction: 0.2,
        backgrounds: vec![floor.clone()],
        out: mixes.clone(),
        files: 6,
        seconds: 30.0,
        snr_db: (0.0, 10.0),
        occupancy: 0.0,
        rate: RATE,
        seed: 101,
        synthetic_calls: 1.0,
        nuisance_per_min: 12.0,
        floor_db: None,
        mark_unlabelled: false,
        steady_backgrounds: 0.0,
    })
    .unwrap();
    assert_eq!(summary.calls, 0);
    assert!(summary.nuisances >= 24, "{} nuisances", summary.nuisances);

    let general = EngineSpec::Model(Arc::new(Model::from_bytes(hark::GENERAL_MODEL).unwrap()));
    let energy = EngineSpec::Energy(EnergyConfig::default());
    let wavs = mixes.join("wav");
    let (by_model, by_energy) = (events_in(&general, &wavs), events_in(&energy, &wavs));
    eprintln!(
        "{} nuisances in 3 minutes: general detector {by_model} events, energy engine {by_energy}",
        summary.nuisances
    );
    // Quiet is the goal; fewer false events than the energy trigger is the bar it holds today
    // (docs/quality.md: rain and wind still set it off).
    assert!(
        by_model < by_energy,
        "the general detector fired {by_model} times on {} nuisances, the energy engine {by_energy}",
        summary.nuisances
    );
    for quiet in [&floor, &silence] {
        assert_eq!(
            events_in(&general, quiet),
            0,
            "events in {}",
            quiet.display()
        );
    }
}
