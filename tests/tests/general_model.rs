//! The bundled general detector ("any animal") stays quiet where no animal calls: over wind, rain,
//! traffic, handling thumps and aircraft laid into a quiet noise floor (the synth's nuisance
//! generator, seeds other than the training mixes'), and in silence; and it finds song syllables
//! at least as well as the energy engine whose boundaries it draws them with. The energy engine
//! beside it on the same audio. Needs nothing from ../shared.

use std::path::Path;
use std::sync::Arc;

use hark::audio::decode::ChannelChoice;
use hark::audio::time_expansion::TimeExpansion;
use hark::eval::score::{Counts, match_events};
use hark::model::Model;
use hark::model::contract::Boundaries;
use hark::sinks::{Encoding, write_wav};
use hark::stream::energy::EnergyConfig;
use hark::stream::engine::EngineSpec;
use hark::stream::pipeline::detect_file;
use hark_tests::{bundled_finch, counts_against_table};
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
            detect_file(
                spec,
                wav,
                ChannelChoice::MixDown,
                rules,
                TimeExpansion::Auto,
            )
            .unwrap()
            .events
            .len()
        })
        .sum()
}

/// `n` samples of uniform white noise from -`width`/2 to `width`/2, by a fixed generator.
fn white_noise(n: usize, width: f32, seed: u64) -> Vec<f32> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * width
        })
        .collect()
}

/// Event counts (IoU > 0.3) of `spec` with its own rules on the annotated WAVs under `dir`.
fn counts_in(spec: &EngineSpec, dir: &Path) -> Counts {
    let mut counts = Counts::default();
    for wav in audio_files(dir).unwrap() {
        counts += counts_against_table(spec, spec.default_rules().unwrap(), &wav);
    }
    counts
}

#[test]
fn the_general_detector_finds_syllables_at_least_as_well_as_the_energy_engine() {
    let model = Model::from_bytes(hark::GENERAL_MODEL).unwrap();
    assert_eq!(model.contract.boundaries, Boundaries::Energy);
    let general = EngineSpec::Model(Arc::new(model));
    let energy = EngineSpec::Energy(EnergyConfig::default());
    // Six finch recordings no bundled model was trained on, annotated by syllable.
    let finch = bundled_finch();
    let (by_model, by_energy) = (counts_in(&general, &finch), counts_in(&energy, &finch));
    eprintln!("bundled finch files: general {by_model:?}, energy engine {by_energy:?}");
    assert!(
        by_model.f1() >= by_energy.f1() && by_model.f1() >= 0.95,
        "event F1: general {:.3}, energy engine {:.3}",
        by_model.f1(),
        by_energy.f1()
    );
}

#[test]
fn the_general_detector_stays_quiet_on_nuisances_and_silence() {
    let dir = tempfile::tempdir().unwrap();
    // A quiet night: a recorder's white self-noise at -65 dBFS, and digital silence. (Louder
    // steady hiss still sets the detector off now and then: docs/quality.md.)
    let floor = dir.path().join("floor");
    std::fs::create_dir_all(&floor).unwrap();
    let white = white_noise(RATE as usize * 30, 0.002, 1);
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

#[test]
fn ultrasonic_calls_are_heard_time_expanded() {
    // Bat-like echolocation at 384 kHz: 5 ms sweeps from 70 down to 35 kHz every 150 ms, over
    // white noise at -60 dBFS. The general detector hears up to 16 kHz: only time-expanded.
    const BAT_RATE: u32 = 384_000;
    let calls: Vec<f64> = (0..14).map(|i| 0.5 + 0.15 * i as f64).collect();
    let mut audio = white_noise(BAT_RATE as usize * 3, 0.0035, 7);
    for &start in &calls {
        let (length, from_hz, to_hz) = (0.005, 70_000.0, 35_000.0);
        let first = (start * BAT_RATE as f64) as usize;
        for i in 0..(length * BAT_RATE as f64) as usize {
            let t = i as f64 / BAT_RATE as f64;
            let phase =
                std::f64::consts::TAU * (from_hz * t + (to_hz - from_hz) * t * t / (2.0 * length));
            let ramp = (std::f64::consts::PI * t / length).sin();
            audio[first + i] += (0.2 * ramp * phase.sin()) as f32;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("bats.wav");
    write_wav(&wav, &audio, BAT_RATE, Encoding::Float32).unwrap();

    let general = EngineSpec::Model(Arc::new(Model::from_bytes(hark::GENERAL_MODEL).unwrap()));
    let detect = |expansion| {
        let rules = general.default_rules().unwrap();
        detect_file(&general, &wav, ChannelChoice::MixDown, rules, expansion).unwrap()
    };
    let expanded = detect(TimeExpansion::Auto);
    assert_eq!(expanded.time_expansion, 10);
    assert!(
        (expanded.duration_s - 3.0).abs() < 0.02,
        "{}",
        expanded.duration_s
    );
    let reference: Vec<_> = calls.iter().map(|&s| (s, s + 0.005)).collect();
    let found: Vec<_> = expanded
        .events
        .iter()
        .map(|e| (e.onset_s, e.offset_s))
        .collect();
    let counts = match_events(&reference, &found, 0.3);
    eprintln!("time-expanded: {counts:?}, events {found:?}");
    assert!(counts.f1() >= 0.8, "{counts:?}: {found:?}");
    let as_recorded = detect(TimeExpansion::Factor(1));
    assert_eq!(as_recorded.time_expansion, 1);
    assert!(as_recorded.events.len() <= 1, "{:?}", as_recorded.events);
}
