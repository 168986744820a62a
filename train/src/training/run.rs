//! The training loop: crops, loss, AdamW with warmup and cosine decay, and every `eval_every`
//! steps validation, the metrics log, the best weights and a checkpoint to resume from.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams};

use super::config::{TrainConfig, architecture, event_rules, learning_rate};
use super::crops::Crops;
use super::losses::step_loss;
use super::run_files::{Evaluation, Progress, RunFiles};
use super::trainee::Trainee;
use super::validate::validate;
use crate::data::batch::Cropper;
use crate::data::noise::NoiseBank;
use crate::data::recordings::{Recording, load_dir, split_by_file};
use crate::distill::TeacherData;
use crate::distill::agreement::agreement;
use crate::distill::crops::{DistillCropper, Item};
use crate::student::config::StudentConfig;

/// Trains (or resumes) the run in `dir` up to `cfg.steps`, or stops early after step `stop_at`
/// (with a checkpoint, as if interrupted); returns the progress.
pub fn train(
    cfg: &TrainConfig,
    dir: &Path,
    resume: bool,
    stop_at: Option<u64>,
    show_progress: bool,
) -> Result<Progress> {
    let files = RunFiles {
        dir: dir.to_path_buf(),
    };
    let student_cfg = architecture(cfg)?;
    let plain = cfg.device.device()?;
    let device = plain.clone().autodiff();
    device.seed(cfg.seed);

    let (train_set, val_set) = annotated_sets(cfg, student_cfg.sample_rate)?;
    anyhow::ensure!(
        cfg.classes.is_empty() || cfg.distill.is_none(),
        "--classes learns classes from labelled tables; a distilled student learns its \
         teacher's one pooled class (--class-name)"
    );
    for label in &cfg.classes {
        anyhow::ensure!(
            train_set
                .iter()
                .any(|r| r.events.iter().any(|e| &e.label == label)),
            "no training file has an annotation labelled `{label}`: a class needs examples \
             (labels seen: {:?})",
            labels_seen(&train_set)
        );
    }
    let noise = NoiseBank::load(&cfg.noise, student_cfg.sample_rate)?.at_snr(cfg.noise_snr_db);
    if !noise.is_empty() {
        eprintln!(
            "backgrounds: {:.0} s of audio",
            noise.seconds(student_cfg.sample_rate)
        );
    }
    let teacher = match &cfg.distill {
        Some(d) => Some(TeacherData::load(
            d,
            cfg.data.as_deref(),
            cfg.val_fraction,
            student_cfg.sample_rate,
            &train_set,
            show_progress,
        )?),
        None => None,
    };
    let (held_out, clips) = match &teacher {
        Some(t) => (t.held_out.as_slice(), t.clips),
        None => (&[][..], false),
    };
    anyhow::ensure!(
        !train_set.is_empty() || teacher.is_some(),
        "no training files left after the validation split"
    );
    anyhow::ensure!(
        !val_set.is_empty() || !held_out.is_empty(),
        "nothing to validate on: give annotated data, or enough unlabelled files to hold some out"
    );

    device.seed(cfg.seed);
    let mut model = Trainee::init(cfg, &student_cfg, teacher.as_ref(), &device)?;
    let mut optim = AdamWConfig::new()
        .with_weight_decay(cfg.weight_decay)
        .with_epsilon(1e-8)
        .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)))
        .init();
    let mut progress = Progress::default();
    if resume && files.checkpoint().join("progress.json").exists() {
        let first: TrainConfig = serde_json::from_slice(&std::fs::read(files.config())?)?;
        anyhow::ensure!(
            (first.rate, &first.preset) == (cfg.rate, &cfg.preset),
            "{} was a {} run at {} Hz: resume it with --preset {} --rate {}",
            files.config().display(),
            first.preset,
            first.rate,
            first.preset,
            first.rate
        );
        let ck = files.checkpoint();
        model = model
            .try_load_file(ck.join("model"))
            .context("loading the checkpoint's weights")?;
        optim = optim
            .load(ck.join("optim"))
            .context("loading the checkpoint's optimizer state")?;
        progress = serde_json::from_slice(&std::fs::read(ck.join("progress.json"))?)?;
        // The run's settings are now this command's; its provenance keeps every command it took.
        let resumed = TrainConfig {
            command: format!("{} && {}", first.command, cfg.command),
            ..cfg.clone()
        };
        std::fs::write(files.config(), serde_json::to_string_pretty(&resumed)?)?;
        eprintln!(
            "resuming at step {} (best {:.4} at step {})",
            progress.step, progress.best_f1, progress.best_step
        );
    } else {
        write_new_run(&files, cfg, &student_cfg, &train_set, &val_set, held_out)?;
    }

    let (rate, hop) = (student_cfg.sample_rate, student_cfg.hop_samples());
    let crop_frames = match &teacher {
        // A clip teacher's window, in whole chunks.
        Some(t) if clips => {
            let frames = (t.window_s * rate as f64 / hop as f64).ceil() as usize;
            frames.div_ceil(student_cfg.chunk_frames) * student_cfg.chunk_frames
        }
        _ => cfg.crop_chunks * student_cfg.chunk_frames,
    };
    let crops = match &teacher {
        Some(t) => Crops::Teacher(DistillCropper {
            items: &t.items,
            noise: &noise,
            hard_weight: cfg.distill.as_ref().map_or(0.0, |d| d.hard_weight),
            keep_positives: cfg.distill.as_ref().is_some_and(|d| d.keep_positives),
            rate,
            hop,
            crop_frames,
            seed: cfg.seed,
            clips,
            localize: cfg.distill.as_ref().is_some_and(|d| d.localize),
            features: model.projection.is_some(),
        }),
        None => Crops::Labels(Cropper::new(
            &train_set,
            &noise,
            rate,
            hop,
            crop_frames,
            &cfg.classes,
            cfg.seed,
        )),
    };
    let rules = event_rules(cfg, &student_cfg);
    let bar = crate::progress::step_bar(cfg.steps, show_progress)?;
    bar.set_position(progress.step);
    let mut loss_sum = 0.0;
    let mut loss_n = 0u64;
    let mut last_f1 = f64::NAN;
    let crop_samples = crop_frames * hop;
    let mut stretch = Instant::now();
    let last = stop_at.unwrap_or(cfg.steps).min(cfg.steps);
    let feature_weight = cfg.distill.as_ref().map_or(0.0, |d| d.feature_weight);
    while progress.step < last {
        let step = progress.step;
        let batch = crops.batch(step, cfg.batch);
        let loss = step_loss(&model, batch, cfg, clips, feature_weight, &device);
        let loss_value: f32 = loss.clone().into_scalar::<f32>();
        anyhow::ensure!(
            loss_value.is_finite(),
            "the loss became {loss_value} at step {step}"
        );
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(learning_rate(cfg, step), model, grads);
        loss_sum += loss_value as f64;
        loss_n += 1;
        progress.step += 1;
        bar.inc(1);
        bar.set_message(format!(
            "loss {:.4}, validation {last_f1:.3}",
            loss_sum / loss_n as f64
        ));

        if progress.step % cfg.eval_every == 0 || progress.step == last {
            // Each step read its loss, so the device has finished it.
            let audio_s = (loss_n as usize * cfg.batch * crop_samples) as f64
                / student_cfg.sample_rate as f64;
            let speed = audio_s / stretch.elapsed().as_secs_f64();
            let eval_model = model.student.valid();
            let counts = validate(&eval_model, &val_set, &rules, &cfg.classes, &plain);
            let agreement =
                (!held_out.is_empty()).then(|| agreement(&eval_model, held_out, &plain));
            last_f1 = match agreement {
                Some(a) if val_set.is_empty() => a.f1,
                _ => counts.f1(),
            };
            let record = Evaluation {
                step: progress.step,
                loss: loss_sum / loss_n as f64,
                f1: last_f1,
                precision: counts.precision(),
                recall: counts.recall(),
                agreement_auc: agreement.map(|a| a.auc),
                agreement_f1: agreement.map(|a| a.f1),
                audio_hours_per_hour: Some(speed),
            };
            (loss_sum, loss_n) = (0.0, 0);
            let mut log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(files.metrics())?;
            writeln!(log, "{}", serde_json::to_string(&record)?)?;
            if last_f1 > progress.best_f1 || progress.best_step == 0 {
                progress.best_f1 = last_f1;
                progress.best_step = progress.step;
                eval_model
                    .save_file(files.best())
                    .context("saving the best weights")?;
            }
            let ck = files.checkpoint();
            std::fs::create_dir_all(&ck)?;
            model
                .clone()
                .save_file(ck.join("model"))
                .context("saving the checkpoint")?;
            optim
                .save(ck.join("optim"))
                .context("saving the optimizer state")?;
            hark::sinks::write_atomic(
                &ck.join("progress.json"),
                serde_json::to_string(&progress)?.as_bytes(),
            )?;
            let mut line = format!("step {}: loss {:.4}", record.step, record.loss);
            if !val_set.is_empty() {
                line += &format!(
                    ", validation F1 {:.4} (P {:.3}, R {:.3})",
                    counts.f1(),
                    record.precision,
                    record.recall
                );
            }
            if let Some(a) = agreement {
                line += &format!(
                    ", teacher agreement AUC {:.4} F1 {:.4} ({} values, {} positive)",
                    a.auc, a.f1, a.values, a.positives
                );
            }
            // Logs keep the validation history when the bar is not drawn (no terminal).
            if bar.is_hidden() {
                eprintln!("{line}")
            } else {
                bar.println(line)
            }
            stretch = Instant::now();
        }
    }
    bar.finish();
    Ok(progress)
}

/// The annotated recordings of a run, split by file into (training, validation); of the
/// training files only `cfg.label_fraction` keep their labels. None without `cfg.data`.
fn annotated_sets(cfg: &TrainConfig, rate: u32) -> Result<(Vec<Recording>, Vec<Recording>)> {
    anyhow::ensure!(
        cfg.label_fraction > 0.0 && cfg.label_fraction <= 1.0,
        "the label fraction must be in (0, 1]"
    );
    Ok(match &cfg.data {
        Some(data) => {
            let recordings = load_dir(data, cfg.csv.as_deref(), rate)?;
            let (train_set, val_set) = split_by_file(recordings, cfg.val_fraction);
            // The files left out take the validation files' place in a second split by name.
            (
                split_by_file(train_set, 1.0 - cfg.label_fraction).0,
                val_set,
            )
        }
        None => (Vec::new(), Vec::new()),
    })
}

/// Starts a run's folder afresh: its config, architecture and split, and no metrics yet.
fn write_new_run(
    files: &RunFiles,
    cfg: &TrainConfig,
    student_cfg: &StudentConfig,
    train_set: &[Recording],
    val_set: &[Recording],
    held_out: &[Item],
) -> Result<()> {
    std::fs::create_dir_all(&files.dir)
        .with_context(|| format!("cannot create {}", files.dir.display()))?;
    let _ = std::fs::remove_file(files.metrics());
    std::fs::write(files.config(), serde_json::to_string_pretty(cfg)?)?;
    std::fs::write(files.student(), serde_json::to_string_pretty(student_cfg)?)?;
    let names = |v: &[Recording]| v.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
    let split = serde_json::json!({
        "train": names(train_set),
        "validation": names(val_set),
        "unlabelled_held_out": held_out.iter().map(|i| &i.recording.name).collect::<Vec<_>>(),
    });
    std::fs::write(
        files.dir.join("split.json"),
        serde_json::to_string_pretty(&split)?,
    )?;
    Ok(())
}

/// The distinct labels of `recordings`' annotations, sorted.
fn labels_seen(recordings: &[Recording]) -> Vec<String> {
    let mut labels: Vec<String> = recordings
        .iter()
        .flat_map(|r| r.events.iter().map(|e| e.label.clone()))
        .collect();
    labels.sort();
    labels.dedup();
    labels
}
