//! The progress bar of a training run (training, fine-tuning, pretraining): steps done, the
//! latest loss and an estimate of the time left; hidden when progress is not shown.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};

/// A bar over `steps` training steps, or a hidden one when `show` is false.
pub fn step_bar(steps: u64, show: bool) -> Result<ProgressBar> {
    let bar = if show {
        ProgressBar::new(steps)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(ProgressStyle::with_template(
        "{elapsed_precise} [{bar:30}] {pos}/{len} steps, {msg} (eta {eta})",
    )?);
    Ok(bar)
}
