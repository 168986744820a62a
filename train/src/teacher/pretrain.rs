//! Self-supervised pretraining of a teacher in the data2vec 2.0 style: no labels, no negatives.
//!
//! The model sees its frame features with spans masked out (replaced by a learned mask
//! embedding) and regresses, on the masked frames, what an exponential-moving-average copy of
//! itself computes from the unmasked input: the average of its top-K layer outputs, each
//! instance-normalized over time. The EMA rate tau ramps up so the targets settle as the model
//! learns.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use burn::grad_clipping::GradientClippingConfig;
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::presets::teacher_preset;
use crate::data::noise::NoiseBank;
use crate::data::recordings::{load_dir, split_by_file};
use crate::device::Compute;
use crate::student::config::StudentConfig;
use crate::student::model::Student;

/// Everything that defines a pretraining run; saved as `config.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PretrainConfig {
    /// Folders of unlabelled audio (searched recursively).
    pub audio: Vec<PathBuf>,
    /// An annotated folder whose training files join the audio (labels unused); its validation
    /// files, split as `train` splits them, stay unseen.
    #[serde(default)]
    pub data: Option<PathBuf>,
    #[serde(default)]
    pub val_fraction: f64,
    /// Teacher preset.
    pub preset: String,
    /// Sample rate of the encoder, Hz (audio is resampled to it).
    #[serde(default = "crate::student::presets::base_rate")]
    pub rate: u32,
    /// Seconds per training window.
    pub window_s: f64,
    pub seed: u64,
    pub steps: u64,
    pub batch: usize,
    pub lr: f64,
    pub warmup: u64,
    /// EMA rate at the first and the last step (linear in between).
    pub tau: (f64, f64),
    /// Layers averaged into the targets, counted from the top.
    pub top_k: usize,
    /// Probability that a frame starts a masked span...
    pub mask_prob: f64,
    /// ...of this many frames (spans may overlap; about half the frames end up masked).
    pub mask_len: usize,
    /// The command line that started the run.
    pub command: String,
    /// What it trains on.
    #[serde(default)]
    pub device: Compute,
}

/// The model being pretrained: the encoder, the mask embedding and a linear decoder that maps
/// the last layer's output to the targets' space.
#[derive(Module, Debug)]
pub struct Data2Vec {
    pub encoder: Student,
    mask: Param<Tensor<1>>,
    decoder: Linear,
}

/// Files of a pretraining run.
pub struct PretrainFiles(pub PathBuf);

impl PretrainFiles {
    /// The run's settings.
    pub fn config(&self) -> PathBuf {
        self.0.join("config.json")
    }
    /// The encoder's architecture (a [`StudentConfig`]).
    pub fn architecture(&self) -> PathBuf {
        self.0.join("teacher.json")
    }
    /// The pretrained encoder's weights (`.bpk` added by burn).
    pub fn encoder(&self) -> PathBuf {
        self.0.join("encoder")
    }
    /// One JSON line per logged stretch of steps: loss, tau, and speed in audio hours per hour.
    pub fn metrics(&self) -> PathBuf {
        self.0.join("metrics.jsonl")
    }
}

/// Pretrains a teacher on the audio under `cfg.audio`, writing the encoder into `dir`.
/// Returns the mean loss of the last logged stretch.
pub fn pretrain(cfg: &PretrainConfig, dir: &Path, show_progress: bool) -> Result<f64> {
    ensure!(
        cfg.steps > 0 && cfg.batch > 0,
        "--steps and --batch must be above 0"
    );
    ensure!(
        cfg.tau.0 <= cfg.tau.1 && cfg.tau.1 < 1.0,
        "tau must ramp up and stay below 1"
    );
    let arch = teacher_preset(
        &cfg.preset,
        cfg.rate,
        vec!["vocalization".into()],
        cfg.window_s,
    )?;
    ensure!(
        (1..=arch.layers).contains(&cfg.top_k),
        "--top-k must be between 1 and the {} layers",
        arch.layers
    );
    let device = cfg.device.device()?.autodiff();
    let mut bank = NoiseBank::load(&cfg.audio, arch.sample_rate)?;
    if let Some(data) = &cfg.data {
        let (train, _) = split_by_file(load_dir(data, None, arch.sample_rate)?, cfg.val_fraction);
        bank = bank.with(train.into_iter().map(|r| r.audio).collect());
    }
    eprintln!(
        "pretraining on {:.0} s of audio",
        bank.seconds(arch.sample_rate)
    );
    ensure!(
        !bank.is_empty(),
        "no audio to pretrain on: give --audio or --data"
    );
    let files = PretrainFiles(dir.to_path_buf());
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(files.config(), serde_json::to_string_pretty(cfg)?)?;
    std::fs::write(files.architecture(), serde_json::to_string_pretty(&arch)?)?;
    let _ = std::fs::remove_file(files.metrics());

    device.seed(cfg.seed);
    let d = arch.d_model;
    let mut model = Data2Vec {
        encoder: arch.init(&device),
        mask: Param::from_tensor(Tensor::<1>::zeros([d], &device)),
        decoder: LinearConfig::new(d, d).init(&device),
    };
    let mut ema = model.encoder.valid();
    let mut optim = AdamWConfig::new()
        .with_weight_decay(0.01)
        .with_grad_clipping(Some(GradientClippingConfig::Norm(1.0)))
        .init();
    let bar = crate::progress::step_bar(cfg.steps, show_progress)?;
    let (frames, samples) = (arch.chunk_frames, arch.chunk_samples());
    let (mut loss_sum, mut loss_n, mut last) = (0.0, 0u64, f64::NAN);
    let mut stretch = Instant::now();
    for step in 0..cfg.steps {
        let mut rng = StdRng::seed_from_u64(cfg.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ step);
        let audio: Vec<f32> = (0..cfg.batch)
            .flat_map(|_| bank.excerpt(&mut rng, samples))
            .collect();
        let mask = span_mask(&mut rng, cfg.batch, frames, cfg.mask_prob, cfg.mask_len);
        let masked: f32 = mask.iter().sum();

        let plain = ema.devices()[0].clone();
        let targets = targets(
            &ema,
            Tensor::<2>::from_data(TensorData::new(audio.clone(), [cfg.batch, samples]), &plain),
            cfg.top_k,
        );
        let targets = Tensor::<3>::from_data(targets.into_data(), &device);
        let mask = Tensor::<3>::from_data(TensorData::new(mask, [cfg.batch, frames, 1]), &device);
        let x = Tensor::<2>::from_data(TensorData::new(audio, [cfg.batch, samples]), &device);
        let h = model.encoder.front(x);
        let h = h * (mask.clone().neg() + 1.0) + model.mask.val().reshape([1, 1, d]) * mask.clone();
        let top = model.encoder.encode(h).pop().expect("at least one layer");
        let error = (model.decoder.forward(top) - targets).powf_scalar(2.0) * mask;
        let loss = error.sum() / (masked * d as f32);
        let value: f32 = loss.clone().into_scalar::<f32>();
        ensure!(value.is_finite(), "the loss became {value} at step {step}");
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(schedule(cfg.lr, cfg.warmup, cfg.steps, step), model, grads);
        let t = step as f64 / (cfg.steps - 1).max(1) as f64;
        let tau = cfg.tau.0 + (cfg.tau.1 - cfg.tau.0) * t;
        ema = ema_update(ema, &model.encoder.valid(), tau as f32);

        loss_sum += value as f64;
        loss_n += 1;
        bar.inc(1);
        if (step + 1) % 10 == 0 || step + 1 == cfg.steps {
            last = loss_sum / loss_n as f64;
            // Audio seen per wall time over this stretch (each step reads its loss, so the
            // device has finished it).
            let audio_s = (loss_n as usize * cfg.batch) as f64 * cfg.window_s;
            let speed = audio_s / stretch.elapsed().as_secs_f64();
            bar.set_message(format!(
                "loss {last:.4}, tau {tau:.4}, {speed:.0} audio h/h"
            ));
            let mut log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(files.metrics())?;
            writeln!(
                log,
                "{{\"step\":{},\"loss\":{last},\"tau\":{tau},\"audio_hours_per_hour\":{speed}}}",
                step + 1
            )?;
            (loss_sum, loss_n, stretch) = (0.0, 0, Instant::now());
        }
    }
    bar.finish();
    model
        .encoder
        .valid()
        .save_file(files.encoder())
        .context("saving the pretrained encoder")?;
    Ok(last)
}

/// The regression targets: the EMA encoder's top `k` layer outputs on the whole input, each
/// normalized per example and channel over time, averaged. `[batch, frames, d_model]`.
fn targets(ema: &Student, audio: Tensor<2>, k: usize) -> Tensor<3> {
    let layers = ema.encode(ema.front(audio));
    let top = &layers[layers.len() - k..];
    let normed: Vec<Tensor<3>> = top
        .iter()
        .map(|x| {
            let (var, mean) = x.clone().var_mean(1);
            (x.clone() - mean) / (var + 1e-5).sqrt()
        })
        .collect();
    Tensor::stack::<4>(normed, 0).mean_dim(0).squeeze_dim(0)
}

/// A `[batch, frames]` 0/1 mask (flattened): each frame starts a span of `len` masked frames
/// with probability `p`; at least one frame per row is masked.
pub fn span_mask(rng: &mut StdRng, batch: usize, frames: usize, p: f64, len: usize) -> Vec<f32> {
    let mut mask = vec![0.0f32; batch * frames];
    for row in mask.chunks_mut(frames) {
        for start in 0..frames {
            if rng.random_bool(p) {
                row[start..(start + len).min(frames)].fill(1.0);
            }
        }
        if row.iter().all(|&m| m == 0.0) {
            let start = rng.random_range(0..frames);
            row[start..(start + len).min(frames)].fill(1.0);
        }
    }
    mask
}

/// Linear warmup, then cosine decay to zero.
fn schedule(lr: f64, warmup: u64, steps: u64, step: u64) -> f64 {
    if step < warmup {
        return lr * (step + 1) as f64 / warmup as f64;
    }
    let t = (step - warmup) as f64 / (steps - warmup).max(1) as f64;
    lr * 0.5 * (1.0 + (std::f64::consts::PI * t.min(1.0)).cos())
}

/// `ema <- tau * ema + (1 - tau) * online`, parameter by parameter (both have the same
/// architecture, so their parameters come in the same order).
pub fn ema_update(ema: Student, online: &Student, tau: f32) -> Student {
    struct Collect(Vec<Tensor<1>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let v = param.val();
            let n = v.shape().num_elements();
            self.0.push(v.reshape([n]));
        }
    }
    struct Blend {
        online: std::vec::IntoIter<Tensor<1>>,
        tau: f32,
    }
    impl ModuleMapper for Blend {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let s = self.online.next().expect("the same architecture");
            let tau = self.tau;
            param.map(|t| {
                let shape = t.shape();
                t * tau + s.reshape(shape) * (1.0 - tau)
            })
        }
    }
    let mut collect = Collect(Vec::new());
    online.visit(&mut collect);
    ema.map(&mut Blend {
        online: collect.0.into_iter(),
        tau,
    })
}

/// The architecture a pretraining run wrote.
pub fn read_architecture(dir: &Path) -> Result<StudentConfig> {
    let path = PretrainFiles(dir.to_path_buf()).architecture();
    let text = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(serde_json::from_slice(&text)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::student::presets::BASE_RATE;

    #[test]
    fn masks_cover_about_half_in_spans() {
        let mut rng = StdRng::seed_from_u64(1);
        let mask = span_mask(&mut rng, 8, 300, 0.065, 10);
        let share = mask.iter().sum::<f32>() / mask.len() as f32;
        assert!((0.4..0.6).contains(&share), "{share}");
        let none = span_mask(&mut rng, 2, 50, 0.0, 5);
        assert_eq!(none.iter().sum::<f32>(), 10.0, "one span per row at least");
    }

    #[test]
    fn ema_moves_towards_the_online_weights() {
        let device = Device::flex();
        let arch = teacher_preset("teacher-cpu", BASE_RATE, vec!["a".into()], 0.5).unwrap();
        device.seed(1);
        let a = arch.init(&device);
        device.seed(2);
        let b = arch.init(&device);
        let first = |m: &Student| m.weights().head.w[0];
        let (wa, wb) = (first(&a), first(&b));
        let mixed = ema_update(a, &b, 0.75);
        let want = 0.75 * wa + 0.25 * wb;
        assert!(
            (first(&mixed) - want).abs() < 1e-6,
            "{} vs {want}",
            first(&mixed)
        );
    }
}
