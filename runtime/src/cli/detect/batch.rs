//! Runs a job over many recordings on worker threads, with a progress bar and a final summary.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use hark::audio::recordings::{Input, Problem};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::job::{Job, Outcome};

/// What a batch did.
#[derive(Debug, Default)]
pub struct Summary {
    pub done: usize,
    pub skipped: usize,
    pub audio_s: f64,
    pub events: usize,
    pub warnings: usize,
    pub failures: Vec<(PathBuf, String)>,
    pub elapsed: Duration,
    pub jobs: usize,
}

/// Processes `inputs` with `jobs` threads, each taking the next recording when it is free (so a
/// few long files do not hold up the rest). `problems` found while listing the inputs count as
/// failures. The bar shows files, hours of audio and speed; it is hidden when stderr is not a
/// terminal or `quiet` is set, while warnings and failures are always printed as they happen.
pub fn run(
    job: &Job,
    inputs: &[Input],
    problems: Vec<Problem>,
    jobs: usize,
    quiet: bool,
) -> Summary {
    let start = Instant::now();
    let bar = ProgressBar::with_draw_target(
        Some(inputs.len() as u64),
        if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    )
    .with_style(
        ProgressStyle::with_template(
            "{elapsed_precise} {bar:30.cyan/blue} {pos}/{len} files  {msg}  eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut summary = Summary {
        jobs,
        ..Default::default()
    };
    for p in problems {
        fail(&bar, &mut summary, &p.path, p.reason);
    }
    let next = AtomicUsize::new(0);
    let (send, receive) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(inputs.len()) {
            let send = send.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    if send.send((i, job.run(input))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        for (i, outcome) in receive {
            let path = &inputs[i].path;
            match outcome {
                Outcome::Done {
                    audio_s,
                    events,
                    warnings,
                    damaged,
                } => {
                    summary.audio_s += audio_s;
                    summary.events += events;
                    for w in warnings {
                        summary.warnings += 1;
                        bar.suspend(|| eprintln!("hark: warning: {}: {w}", path.display()));
                    }
                    match damaged {
                        Some(reason) => fail(&bar, &mut summary, path, reason),
                        None => summary.done += 1,
                    }
                }
                Outcome::Skipped => summary.skipped += 1,
                Outcome::Failed(reason) => fail(&bar, &mut summary, path, reason),
            }
            bar.inc(1);
            let elapsed = start.elapsed().as_secs_f64();
            bar.set_message(format!(
                "{:.2} h audio, {:.0}x real time, {} events, {} failed",
                summary.audio_s / 3600.0,
                summary.audio_s / elapsed.max(1e-9),
                summary.events,
                summary.failures.len()
            ));
        }
    });
    bar.finish_and_clear();
    summary.elapsed = start.elapsed();
    summary
}

/// Reports a failure as it happens and keeps it for the summary.
fn fail(bar: &ProgressBar, summary: &mut Summary, path: &Path, reason: String) {
    bar.suspend(|| eprintln!("hark: error: {}: {reason}", path.display()));
    summary.failures.push((path.to_path_buf(), reason));
}

impl std::fmt::Display for Summary {
    /// `60 files: 60 done, 0 skipped, 0 failed; 0.16 h of audio, 3116 events; 2.1 s, 280x
    /// real time (2 jobs)`, then one line per failure.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.elapsed.as_secs_f64();
        write!(
            f,
            "{} files: {} done, {} skipped, {} failed; {:.3} h of audio, {} events, {} warnings; \
             {seconds:.1} s, {:.0}x real time ({} jobs)",
            self.done + self.skipped + self.failures.len(),
            self.done,
            self.skipped,
            self.failures.len(),
            self.audio_s / 3600.0,
            self.events,
            self.warnings,
            self.audio_s / seconds.max(1e-9),
            self.jobs,
        )?;
        if !self.failures.is_empty() {
            write!(f, "\nfailed:")?;
            for (path, reason) in &self.failures {
                write!(f, "\n  {}: {reason}", path.display())?;
            }
        }
        Ok(())
    }
}
