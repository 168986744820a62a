//! The soundscape's own loud sounds, which nobody labelled: perhaps animals, perhaps wind. Found
//! as wide-band acoustic activity and marked `?`, so that training counts them as neither calls
//! nor background (a general detector must not learn to ignore animals).

use anyhow::Result;
use hark::eval::annotations::{Annotation, UNLABELLED};

use crate::data::activity::sounding;

/// Margin added on each side of a loud stretch, seconds: its faint start and end are unknown too.
const PAD_S: f64 = 0.05;

/// The loud stretches of `background` (at `rate` Hz), as `?` annotations, padded and merged.
pub fn loud_stretches(background: &[f32], rate: u32) -> Result<Vec<Annotation>> {
    let end_s = background.len() as f64 / rate as f64;
    Ok(sounding(background, rate, 2.0 * PAD_S)?
        .into_iter()
        .map(|e| Annotation {
            onset_s: (e.onset_s - PAD_S).max(0.0),
            offset_s: (e.offset_s + PAD_S).min(end_s),
            label: UNLABELLED.into(),
            channel: None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loud_tone_in_quiet_noise_is_marked_and_nothing_else() {
        let rate = 32_000;
        let mut x: Vec<f32> = (0..3 * rate)
            .map(|i| 1e-3 * (((i as u64 * 2_654_435_761) % 1000) as f32 / 500.0 - 1.0))
            .collect();
        for (i, v) in x.iter_mut().enumerate().skip(rate).take(rate / 2) {
            *v += 0.3 * (std::f32::consts::TAU * 3000.0 * i as f32 / rate as f32).sin();
        }
        let marked = loud_stretches(&x, rate as u32).unwrap();
        assert_eq!(marked.len(), 1, "{marked:?}");
        let m = &marked[0];
        assert!(
            (m.onset_s - 0.95).abs() < 0.03 && (m.offset_s - 1.55).abs() < 0.05,
            "{m:?}"
        );
        assert_eq!(m.label, UNLABELLED);
    }
}
