//! `hark-train rules`: the event rules (opening and closing probability, shortest event) that
//! give a model its best event F1 on an annotated tuning set, written into a copy of the model.
//!
//! The model streams each file once; every candidate only re-reads the probabilities. Tune on
//! recordings kept out of training and out of every set whose numbers you report.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use hark::eval::score::Counts;
use hark::model::Model;
use hark::model::protobuf::ModelProto;
use hark::model::session::Session;
use hark::stream::events::EventRules;
use prost::Message;

use crate::data::recordings::load_dir;
use crate::export::metadata::{contract_of, set_contract};
use crate::training::validate::recording_counts;

/// One setting of the rules and what it scored.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub on: f32,
    pub off: f32,
    pub min_event_s: f32,
    /// Class 0 against every annotated call, IoU > 0.3, pooled over the files (events in
    /// unlabelled stretches that match no call count neither way).
    pub counts: Counts,
}

/// The settings tried: opening at 0.3..0.9, closing 0.1..0.5 below it (never under 0.1),
/// shortest event 10..60 ms. The merge gap and longest event stay the model's.
fn grid() -> Vec<(f32, f32, f32)> {
    let mut out = Vec::new();
    for on in 3..=9 {
        for below in 1..=5 {
            let off = on - below;
            if off < 1 {
                continue;
            }
            for ms in 1..=6 {
                out.push((on as f32 / 10.0, off as f32 / 10.0, ms as f32 / 100.0));
            }
        }
    }
    out
}

/// What tuning found: every setting of the grid, best first, and the model's own rules.
#[derive(Debug)]
pub struct Tuning {
    /// Best event F1 first (ties: the earlier in the grid, i.e. the lower thresholds).
    pub ranked: Vec<Candidate>,
    /// The rules the model came with, scored the same way.
    pub own: Candidate,
}

/// Every candidate, and the model's own rules, on the annotated recordings under `data` (Raven
/// tables beside the audio, or `csv`).
pub fn tune(model_path: &Path, data: &Path, csv: Option<&Path>) -> Result<Tuning> {
    let model =
        Arc::new(Model::load(model_path).with_context(|| model_path.display().to_string())?);
    let base = EventRules::from_contract(&model.contract);
    let classes = model.contract.classes.len();
    // A many-class model is scored class by class against the tables' labels.
    let labels: &[String] = if classes > 1 {
        &model.contract.classes
    } else {
        &[]
    };
    let recordings = load_dir(data, csv, model.contract.sample_rate)?;
    let mut files = Vec::new();
    for r in &recordings {
        let mut session = Session::new(model.clone())?;
        let mut probs = Vec::new();
        session
            .push(&r.audio, &mut probs)
            .and_then(|()| session.finish(&mut probs))
            .with_context(|| r.name.clone())?;
        files.push((r, probs));
    }
    let score = |rules: EventRules| {
        let mut counts = Counts::default();
        for (r, probs) in &files {
            counts += recording_counts(r, &rules, probs, labels);
        }
        counts
    };
    let mut ranked: Vec<Candidate> = grid()
        .into_iter()
        .map(|(on, off, min_event_s)| Candidate {
            on,
            off,
            min_event_s,
            counts: score(EventRules {
                on: vec![on; classes],
                off: vec![off; classes],
                min_frames: EventRules::frames(min_event_s as f64, base.hop_s),
                ..base.clone()
            }),
        })
        .collect();
    ranked.sort_by(|a, b| b.counts.f1().total_cmp(&a.counts.f1()));
    let own = Candidate {
        on: base.on[0],
        off: base.off[0],
        min_event_s: model.contract.min_event_s,
        counts: score(base),
    };
    Ok(Tuning { ranked, own })
}

/// Writes the model at `model_path` to `out` with `best`'s rules for every class, and where
/// they were tuned in its provenance.
pub fn write(model_path: &Path, best: &Candidate, tuned_on: &Path, out: &Path) -> Result<()> {
    let bytes =
        std::fs::read(model_path).with_context(|| format!("reading {}", model_path.display()))?;
    let mut model = ModelProto::decode(bytes.as_slice())
        .with_context(|| format!("{} is not an ONNX model", model_path.display()))?;
    // Rewritten from the contract, in its order, so a variant of this file that changes
    // nothing (`hark-train batch --batch 1`) gives back the same bytes.
    let mut contract = contract_of(&model)?;
    let classes = contract.classes.len();
    contract.on_thresholds = vec![best.on; classes];
    contract.off_thresholds = vec![best.off; classes];
    contract.min_event_s = best.min_event_s;
    let c = &best.counts;
    contract.provenance.insert(
        "rules".into(),
        format!(
            "tuned by hark-train rules on {}: event F1 {:.4} ({} TP, {} FP, {} FN)",
            tuned_on.display(),
            c.f1(),
            c.tp,
            c.fp,
            c.fn_
        ),
    );
    set_contract(&mut model, &contract);
    std::fs::write(out, model.encode_to_vec()).with_context(|| format!("writing {}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::grid;

    #[test]
    fn the_grid_closes_below_where_it_opens() {
        let g = grid();
        assert!(
            g.iter()
                .all(|&(on, off, min)| off < on && off >= 0.1 && min > 0.0)
        );
        assert!(
            g.contains(&(0.5, 0.4, 0.02)),
            "the default rules are among them"
        );
    }
}
