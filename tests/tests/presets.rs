//! Every student preset is sized for its hardware tier: exported and loaded as the runtime loads
//! it, its cost as `hark fit` counts it stays within the tier's budget, and it fits every board
//! of the tier.

use burn::prelude::*;
use hark::model::Model;
use hark::model::cost::model_cost;
use hark_hardware::board::Board;
use hark_hardware::fit::{Verdict, fit};
use hark_hardware::tier::{Tier, tier};
use hark_train::export::run::{EventDefaults, contract_for, student_onnx};
use hark_train::student::presets::{PRESETS, preset};

#[test]
fn every_preset_fits_the_boards_of_its_tier() {
    let rules = EventDefaults {
        on: 0.5,
        off: 0.4,
        min_event_s: 0.02,
        merge_gap_s: 0.0,
    };
    for (name, _) in PRESETS {
        let tier = tier(name).unwrap_or_else(|| panic!("preset `{name}` names no hardware tier"));
        for &rate in tier.sample_rates {
            fits_its_tier(name, rate, tier, &rules);
        }
    }
}

/// The preset `name` at `rate` Hz, exported and costed as `hark fit` costs it, against `tier`.
fn fits_its_tier(name: &str, rate: u32, tier: &Tier, rules: &EventDefaults) {
    let config = preset(name, rate, vec!["syllable".into()]).unwrap();
    let device = Device::flex();
    device.seed(1);
    let student = config.init(&device);
    let model = Model::from_bytes(&student_onnx(
        &student,
        &contract_for(&student, rules, vec![]),
    ))
    .unwrap();
    for board in tier.boards {
        let board = Board::named(board).unwrap();
        let (cost, _) = model_cost(&model, board.kind);
        let ram = cost.state_bytes + cost.activation_bytes;
        eprintln!(
            "{name} at {rate} Hz on {}: {:.1} MMAC/s, {} weight bytes, {ram} RAM bytes",
            board.name,
            cost.macs_per_second as f64 / 1e6,
            cost.weight_bytes
        );
        assert!(
            cost.macs_per_second <= tier.max_macs_per_second,
            "{name} at {rate} Hz"
        );
        assert!(
            tier.max_weight_bytes.is_none_or(|w| cost.weight_bytes <= w),
            "{name}"
        );
        assert!(tier.max_ram_bytes.is_none_or(|r| ram <= r), "{name}");
        let verdict = fit(&cost, &board.budget()).verdict();
        assert_ne!(
            verdict,
            Verdict::DoesNotFit,
            "{name} at {rate} Hz on {}",
            board.name
        );
    }
}
