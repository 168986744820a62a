//! The energy detector: the classical trigger that field recorders ship, and the baseline every
//! learned model must beat.
//!
//! Per stream: a band-pass (a 4th-order Butterworth high-pass and low-pass, each two RBJ biquads)
//! → mean-square energy per hop frame, in dB → an adaptive noise floor that falls quickly in quiet
//! stretches and rises slowly during calls → one score per frame,
//! `logistic((energy_db - floor_db - margin_db) / slope_db)`, so that 0.5 means "margin dB above
//! the background". Memory is O(1) per stream, nothing is allocated per sample, all in f32, about
//! twenty multiply-adds per sample: it fits the smallest recorder.

use anyhow::{Result, bail};

/// Band energy below this (dBFS) is digital silence: below the quantization noise of 16-bit audio in
/// any band (about -101 dBFS over the whole band), so it says nothing about the background and
/// never moves the noise floor.
const SILENCE_DB: f32 = -110.0;
/// The lowest energy reported, so that exact zeros give a finite dB value.
const MIN_DB: f32 = -140.0;
/// The highest energy reported, so that absurd input (1e20 samples) keeps the floor finite.
const MAX_DB: f32 = 200.0;

/// Settings of the energy detector; immutable, shared by every stream.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyConfig {
    /// Lower band edge (Hz), the high-pass corner.
    pub low_hz: f32,
    /// Upper band edge (Hz), the low-pass corner; must be below the Nyquist frequency.
    pub high_hz: f32,
    /// Frame hop (seconds): one score per hop.
    pub hop_s: f32,
    /// Time constant (seconds) with which the noise floor rises towards louder frames: how long a
    /// call may last before it is taken for background, and how fast a louder background is learnt.
    pub rise_s: f32,
    /// Time constant (seconds) with which the noise floor falls towards quieter frames.
    pub fall_s: f32,
    /// Seconds at the start of a stream during which the floor may only fall: it starts at the
    /// first frame's energy and settles on the quietest stretch, whatever the stream starts with.
    pub warmup_s: f32,
    /// Energy above the noise floor (dB) at which the score is 0.5.
    pub margin_db: f32,
    /// Width (dB) of the score's soft step: the score goes from 0.27 to 0.73 over ±1 slope.
    pub slope_db: f32,
}

impl Default for EnergyConfig {
    /// Defaults chosen for songbirds from first principles, not tuned on any data set:
    ///
    /// - band 1–7 kHz: passerine song carries most of its energy between 1 and 8 kHz (peak 2–5
    ///   kHz); below 1 kHz sit wind, traffic, handling noise and mains hum, the bulk of field noise
    ///   energy. 7 kHz keeps the low-pass clear of the 8 kHz Nyquist frequency of hark's 16 kHz
    ///   streams, where the resampler's anti-alias filter already rolls off.
    /// - hop 10 ms: songbird syllables last 20–300 ms and are separated by gaps of 10–50 ms;
    ///   10 ms frames resolve both and match the learned models' frame rate.
    /// - floor rise 2 s: a one-second call 20 dB above the background keeps a score above 0.5 to
    ///   its end, while a background that gets louder (wind, a chorus starting) is learnt within a
    ///   few seconds. Fall 0.1 s: the floor recovers within a few inter-syllable gaps.
    /// - warm-up 0.5 s: long enough to reach the first gap in almost any song.
    /// - margin 8 dB, slope 2 dB: 10 ms band-limited noise frames fluctuate by about ±1.5 dB (some
    ///   100 degrees of freedom), real backgrounds by a few dB more; 8 dB stays clear of that while
    ///   still catching faint calls, and the ±4 dB transition keeps the score informative.
    fn default() -> Self {
        Self {
            low_hz: 1000.0,
            high_hz: 7000.0,
            hop_s: 0.010,
            rise_s: 2.0,
            fall_s: 0.1,
            warmup_s: 0.5,
            margin_db: 8.0,
            slope_db: 2.0,
        }
    }
}

impl EnergyConfig {
    /// Checks the settings against a sample rate; the error says which setting is wrong and why.
    /// A band reaching the Nyquist frequency is an error rather than silently clamped: a detector
    /// that quietly listens to a different band than configured would be hard to debug.
    pub fn validate(&self, sample_rate: u32) -> Result<()> {
        if sample_rate == 0 {
            bail!("the energy detector needs a sample rate above 0 Hz");
        }
        let named = [
            ("low_hz", self.low_hz),
            ("high_hz", self.high_hz),
            ("hop_s", self.hop_s),
            ("rise_s", self.rise_s),
            ("fall_s", self.fall_s),
            ("margin_db", self.margin_db),
            ("slope_db", self.slope_db),
        ];
        for (name, value) in named {
            if !value.is_finite() {
                bail!("energy detector setting {name} must be a finite number, not {value}");
            }
        }
        for (name, value) in [
            ("low_hz", self.low_hz),
            ("hop_s", self.hop_s),
            ("rise_s", self.rise_s),
            ("fall_s", self.fall_s),
            ("slope_db", self.slope_db),
        ] {
            if value <= 0.0 {
                bail!("energy detector setting {name} must be above 0, not {value}");
            }
        }
        if !(self.warmup_s.is_finite() && self.warmup_s >= 0.0) {
            bail!(
                "energy detector setting warmup_s must be 0 or more seconds, not {}",
                self.warmup_s
            );
        }
        if self.low_hz >= self.high_hz {
            bail!(
                "the energy detector's band must run upwards, but low_hz {} is not below high_hz {}",
                self.low_hz,
                self.high_hz
            );
        }
        let nyquist = sample_rate as f32 / 2.0;
        if self.high_hz >= nyquist {
            bail!(
                "the energy detector's band ends at {} Hz, which does not fit below the Nyquist \
                 frequency ({nyquist} Hz) of {sample_rate} Hz audio; lower high_hz or use a higher \
                 sample rate",
                self.high_hz
            );
        }
        if self.hop_samples(sample_rate) == 0 {
            bail!(
                "the energy detector's hop of {} s is shorter than one sample at {sample_rate} Hz",
                self.hop_s
            );
        }
        Ok(())
    }

    /// Samples per frame at `sample_rate`, rounded to the nearest sample.
    pub fn hop_samples(&self, sample_rate: u32) -> usize {
        (self.hop_s as f64 * sample_rate as f64).round() as usize
    }
}

/// One second-order section in transposed direct form II: the form with the best f32 behaviour
/// and only two state values.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Biquad {
    b0: f32,
    b1: f32,
    b2: f32,
    a1: f32,
    a2: f32,
    z1: f32,
    z2: f32,
}

/// Which RBJ cookbook response a section has.
#[derive(Debug, Clone, Copy)]
enum Pass {
    Low,
    High,
}

impl Biquad {
    /// A low- or high-pass section with corner `f0` and quality `q` (RBJ audio EQ cookbook);
    /// coefficients are worked out in f64, then stored as f32.
    fn new(pass: Pass, f0: f32, q: f64, sample_rate: u32) -> Self {
        let w0 = std::f64::consts::TAU * f0 as f64 / sample_rate as f64;
        let (sin, cos) = w0.sin_cos();
        let alpha = sin / (2.0 * q);
        let a0 = 1.0 + alpha;
        let (b0, b1) = match pass {
            Pass::Low => ((1.0 - cos) / 2.0, 1.0 - cos),
            Pass::High => ((1.0 + cos) / 2.0, -(1.0 + cos)),
        };
        Self {
            b0: (b0 / a0) as f32,
            b1: (b1 / a0) as f32,
            b2: (b0 / a0) as f32,
            a1: (-2.0 * cos / a0) as f32,
            a2: ((1.0 - alpha) / a0) as f32,
            z1: 0.0,
            z2: 0.0,
        }
    }

    /// Filters one sample.
    #[inline(always)]
    fn process(&mut self, x: f32) -> f32 {
        let y = self.b0 * x + self.z1;
        self.z1 = self.b1 * x - self.a1 * y + self.z2;
        self.z2 = self.b2 * x - self.a2 * y;
        y
    }
}

/// Sections per band edge: two biquads make a 4th-order Butterworth edge (24 dB per octave), which
/// puts a 200 Hz rumble 56 dB down from a 1 kHz corner.
const SECTIONS: usize = 2;

/// The quality factors of the sections of a `2 * SECTIONS`-order Butterworth filter: its poles
/// sit evenly on a half circle, and section `k` holds the pair at angle `(2k + 1) π / (4 SECTIONS)`.
fn butterworth_q(k: usize) -> f64 {
    let order = (2 * SECTIONS) as f64;
    1.0 / (2.0 * (std::f64::consts::PI * (2 * k + 1) as f64 / (2.0 * order)).sin())
}

/// The band-pass: high-pass sections then low-pass sections, in a fixed array (no allocation).
#[derive(Debug, Clone, PartialEq)]
struct BandPass {
    sections: [Biquad; 2 * SECTIONS],
}

impl BandPass {
    fn new(low_hz: f32, high_hz: f32, sample_rate: u32) -> Self {
        let sections = std::array::from_fn(|i| {
            let (pass, f0) = if i < SECTIONS {
                (Pass::High, low_hz)
            } else {
                (Pass::Low, high_hz)
            };
            Biquad::new(pass, f0, butterworth_q(i % SECTIONS), sample_rate)
        });
        Self { sections }
    }

    /// Filters one sample through every section.
    #[inline(always)]
    fn process(&mut self, x: f32) -> f32 {
        self.sections.iter_mut().fold(x, |y, s| s.process(y))
    }

    /// Whether the state is still finite; absurd input (samples near f32::MAX) can overflow it.
    fn is_finite(&self) -> bool {
        self.sections
            .iter()
            .all(|s| s.z1.is_finite() && s.z2.is_finite())
    }

    /// Forgets the past input, keeping the coefficients.
    fn clear(&mut self) {
        for s in &mut self.sections {
            s.z1 = 0.0;
            s.z2 = 0.0;
        }
    }
}

/// The adaptive background estimate: an asymmetric exponential tracker in dB, which follows quiet
/// frames with a short time constant and louder ones with a long one, so a call barely moves it
/// while a lasting change of background is learnt.
#[derive(Debug, Clone, PartialEq)]
struct NoiseFloor {
    /// Current estimate (dB); `None` until the first frame that is not digital silence.
    floor_db: Option<f32>,
    /// Per-frame step towards a louder frame, `1 - exp(-hop / rise_s)`.
    rise: f32,
    /// Per-frame step towards a quieter frame, `1 - exp(-hop / fall_s)`.
    fall: f32,
    /// Frames left in the warm-up, during which the floor only falls.
    warmup_left: u64,
}

impl NoiseFloor {
    fn new(config: &EnergyConfig, hop_s: f64) -> Self {
        let step = |tau: f32| (1.0 - (-hop_s / tau as f64).exp()) as f32;
        Self {
            floor_db: None,
            rise: step(config.rise_s),
            fall: step(config.fall_s),
            warmup_left: (config.warmup_s as f64 / hop_s).ceil() as u64,
        }
    }

    /// How far (dB) a frame's energy stands above the floor as it was before this frame (the
    /// background is judged from the past), then lets the frame move the floor.
    fn excess_then_update(&mut self, energy_db: f32) -> f32 {
        if energy_db < SILENCE_DB {
            return self.floor_db.map_or(f32::NEG_INFINITY, |f| energy_db - f);
        }
        let Some(floor) = self.floor_db else {
            self.floor_db = Some(energy_db);
            self.warmup_left = self.warmup_left.saturating_sub(1);
            return 0.0;
        };
        let step = if energy_db < floor {
            self.fall
        } else if self.warmup_left > 0 {
            0.0
        } else {
            self.rise
        };
        self.floor_db = Some(floor + step * (energy_db - floor));
        self.warmup_left = self.warmup_left.saturating_sub(1);
        energy_db - floor
    }
}

/// The score's soft step: 0.5 at `margin_db` above the floor, `slope_db` wide.
fn soft_step(excess_db: f32, margin_db: f32, slope_db: f32) -> f32 {
    1.0 / (1.0 + (-(excess_db - margin_db) / slope_db).exp())
}

/// Mean square energy in dB, kept finite whatever the input was.
fn energy_db(sum_sq: f32, count: usize) -> f32 {
    let db = 10.0 * (sum_sq / count as f32).log10();
    if db.is_nan() {
        MAX_DB
    } else {
        db.clamp(MIN_DB, MAX_DB)
    }
}

/// One stream through the energy detector: band-pass, frame energy, noise floor, score.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyDetector {
    config: EnergyConfig,
    sample_rate: u32,
    hop: usize,
    filter: BandPass,
    floor: NoiseFloor,
    /// Sum of squared filtered samples of the frame being filled.
    sum_sq: f32,
    /// Samples in the frame being filled.
    filled: usize,
}

impl EnergyDetector {
    /// A fresh stream at `sample_rate`; fails with a clear message when `config` does not fit it.
    pub fn new(config: EnergyConfig, sample_rate: u32) -> Result<Self> {
        config.validate(sample_rate)?;
        let hop = config.hop_samples(sample_rate);
        let hop_s = hop as f64 / sample_rate as f64;
        Ok(Self {
            filter: BandPass::new(config.low_hz, config.high_hz, sample_rate),
            floor: NoiseFloor::new(&config, hop_s),
            config,
            sample_rate,
            hop,
            sum_sq: 0.0,
            filled: 0,
        })
    }

    /// Samples per frame (one score per frame).
    pub fn hop_samples(&self) -> usize {
        self.hop
    }

    /// Seconds per frame, as the event detector wants it.
    pub fn hop_seconds(&self) -> f64 {
        self.hop as f64 / self.sample_rate as f64
    }

    /// The sample rate this stream expects.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The settings this stream runs with.
    pub fn config(&self) -> &EnergyConfig {
        &self.config
    }

    /// Scores the frame accumulated so far and starts the next one.
    fn close_frame(&mut self) -> f32 {
        let db = energy_db(self.sum_sq, self.filled);
        let excess = self.floor.excess_then_update(db);
        self.sum_sq = 0.0;
        self.filled = 0;
        if !self.filter.is_finite() {
            self.filter.clear();
        }
        soft_step(excess, self.config.margin_db, self.config.slope_db)
    }

    /// Accepts samples; appends the score of every completed frame to `scores`. Non-finite
    /// samples are taken as silence (as the decoder does), so one bad sample cannot poison the
    /// filter state for the rest of the stream.
    pub fn push(&mut self, mut samples: &[f32], scores: &mut Vec<f32>) {
        while !samples.is_empty() {
            let take = (self.hop - self.filled).min(samples.len());
            let mut sum_sq = self.sum_sq;
            for &x in &samples[..take] {
                let y = self.filter.process(if x.is_finite() { x } else { 0.0 });
                sum_sq += y * y;
            }
            self.sum_sq = sum_sq;
            self.filled += take;
            samples = &samples[take..];
            if self.filled == self.hop {
                scores.push(self.close_frame());
            }
        }
    }

    /// Ends the stream: scores the last partial frame from the samples it holds (not padded
    /// with silence, which would understate its energy), so `ceil(samples / hop)` scores come
    /// out in all.
    pub fn finish(&mut self, scores: &mut Vec<f32>) {
        if self.filled > 0 {
            scores.push(self.close_frame());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 16_000;

    /// A small deterministic generator (xorshift64*) for reproducible noise without a dependency.
    struct Noise(u64);

    impl Noise {
        fn uniform(&mut self) -> f32 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
            bits as f32 / (1u64 << 24) as f32
        }

        /// Approximately Gaussian (sum of four uniforms), unit variance.
        fn gaussian(&mut self) -> f32 {
            let s: f32 = (0..4).map(|_| self.uniform()).sum();
            (s - 2.0) * 3.0f32.sqrt()
        }
    }

    /// White noise with the given RMS level (dBFS).
    fn noise(seconds: f32, level_db: f32, seed: u64) -> Vec<f32> {
        let mut rng = Noise(seed);
        let rms = 10f32.powf(level_db / 20.0);
        let n = (seconds * RATE as f32) as usize;
        (0..n).map(|_| rms * rng.gaussian()).collect()
    }

    /// Adds a tone burst with 5 ms raised-cosine ramps (a hard edge would be a broadband click).
    fn add_tone(audio: &mut [f32], hz: f32, amplitude: f32, start_s: f32, end_s: f32) {
        let (start, end) = (
            (start_s * RATE as f32) as usize,
            (end_s * RATE as f32) as usize,
        );
        let ramp = (0.005 * RATE as f32) as usize;
        for (i, x) in audio[start..end].iter_mut().enumerate() {
            let edge = i.min(end - start - 1 - i);
            let gain = if edge < ramp {
                0.5 - 0.5 * (std::f32::consts::PI * edge as f32 / ramp as f32).cos()
            } else {
                1.0
            };
            let t = (start + i) as f32 / RATE as f32;
            *x += amplitude * gain * (std::f32::consts::TAU * hz * t).sin();
        }
    }

    fn scores_of(audio: &[f32], block: usize) -> Vec<f32> {
        let mut d = EnergyDetector::new(EnergyConfig::default(), RATE).unwrap();
        let mut scores = Vec::new();
        for chunk in audio.chunks(block.max(1)) {
            d.push(chunk, &mut scores);
        }
        d.finish(&mut scores);
        scores
    }

    /// Frames (10 ms) whose score reaches 0.5.
    fn active(scores: &[f32]) -> Vec<usize> {
        (0..scores.len()).filter(|&i| scores[i] >= 0.5).collect()
    }

    #[test]
    fn in_band_tone_burst_is_flagged_with_sharp_edges() {
        let mut audio = noise(2.5, -60.0, 1);
        add_tone(&mut audio, 3000.0, 0.1, 1.0, 1.3);
        let s = scores_of(&audio, 1024);
        let on = active(&s);
        let (first, last) = (on[0], *on.last().unwrap());
        assert!(first.abs_diff(100) <= 2, "onset at frame {first}, want 100");
        assert!(last.abs_diff(129) <= 2, "offset at frame {last}, want 129");
        assert_eq!(on.len(), last - first + 1, "one contiguous run: {on:?}");
        assert!(s[103..127].iter().all(|&p| p > 0.99), "{:?}", &s[100..130]);
        let outside = s[..98].iter().chain(&s[132..]);
        assert!(outside.clone().all(|&p| p < 0.1), "{s:?}");
    }

    #[test]
    fn out_of_band_tone_does_not_trigger() {
        let mut audio = noise(2.5, -60.0, 2);
        add_tone(&mut audio, 200.0, 0.1, 1.0, 1.3);
        let s = scores_of(&audio, 1024);
        assert!(active(&s).is_empty(), "{:?}", &s[95..135]);
    }

    #[test]
    fn a_level_step_is_absorbed_by_the_floor() {
        let config = EnergyConfig::default();
        let mut audio = noise(2.0, -60.0, 3);
        audio.extend(noise(10.0, -40.0, 4));
        let s = scores_of(&audio, 4096);
        assert!(s[60..200].iter().all(|&p| p < 0.1), "quiet before the step");
        assert!(
            s[200..210].iter().all(|&p| p > 0.9),
            "the step is news at first"
        );
        // 20 dB above an 8 dB margin falls below it after rise_s * ln(20 / 8) ≈ 0.9 rise_s, and
        // to a score below 0.1 (margin - 2.2 slopes) after about 2.5 rise_s.
        let settled = 200 + (2.5 * config.rise_s / config.hop_s) as usize;
        assert!(s[settled..].iter().all(|&p| p < 0.1), "{:?}", &s[settled..]);
        let first_quiet = s[200..].iter().position(|&p| p < 0.5).unwrap();
        let expected = config.rise_s * (20.0f32 / config.margin_db).ln() / config.hop_s;
        assert!(
            (first_quiet as f32 - expected).abs() < 0.25 * expected,
            "absorbed after {first_quiet} frames, expected about {expected}"
        );
    }

    #[test]
    fn a_stream_starting_inside_a_call_does_not_flag_everything() {
        let mut audio = noise(3.0, -60.0, 5);
        add_tone(&mut audio, 3000.0, 0.1, 0.0, 0.3);
        add_tone(&mut audio, 3000.0, 0.1, 1.0, 1.2);
        let s = scores_of(&audio, 1600);
        let on = active(&s);
        assert!(
            on.iter().all(|&f| f < 32 || (98..122).contains(&f)),
            "{on:?}"
        );
        assert!(
            s[100..120].iter().all(|&p| p > 0.9),
            "the second call is found"
        );
        assert!(s[40..95].iter().chain(&s[125..]).all(|&p| p < 0.1));
    }

    #[test]
    fn one_score_per_started_frame() {
        let audio = noise(1.1, -50.0, 6);
        for n in [0, 1, 159, 160, 161, 320, 16_007] {
            let s = scores_of(&audio[..n], 100);
            assert_eq!(s.len(), n.div_ceil(160), "{n} samples");
            assert!(s.iter().all(|p| (0.0..=1.0).contains(p)));
        }
    }

    #[test]
    fn chunking_does_not_change_the_scores() {
        let mut audio = noise(3.0, -55.0, 7);
        add_tone(&mut audio, 2500.0, 0.05, 0.7, 0.9);
        add_tone(&mut audio, 4500.0, 0.2, 1.9, 2.05);
        let whole = scores_of(&audio, audio.len());
        for block in [1, 7, 160, 161, 1000, 2560] {
            assert_eq!(scores_of(&audio, block), whole, "blocks of {block}");
        }
        let mut d = EnergyDetector::new(EnergyConfig::default(), RATE).unwrap();
        let (mut scores, mut rng, mut rest) = (Vec::new(), Noise(8), &audio[..]);
        while !rest.is_empty() {
            let take = ((rng.uniform() * 500.0) as usize).min(rest.len());
            d.push(&rest[..take], &mut scores);
            rest = &rest[take..];
        }
        d.finish(&mut scores);
        assert_eq!(scores, whole, "random blocks");
    }

    #[test]
    fn bad_samples_are_silence_and_the_stream_recovers() {
        let mut audio = noise(2.0, -60.0, 9);
        audio[8000] = f32::NAN;
        audio[8001] = f32::INFINITY;
        audio[16_000] = f32::MAX;
        add_tone(&mut audio, 3000.0, 0.1, 1.5, 1.7);
        let s = scores_of(&audio, 512);
        assert!(s.iter().all(|p| (0.0..=1.0).contains(p)), "{s:?}");
        assert!(s[153..167].iter().all(|&p| p > 0.9), "{:?}", &s[140..175]);
    }

    #[test]
    fn digital_silence_scores_zero_and_leaves_the_floor_alone() {
        let mut audio = vec![0.0; 8000];
        audio.extend(noise(1.5, -60.0, 10));
        add_tone(&mut audio, 3000.0, 0.1, 1.5, 1.7);
        let s = scores_of(&audio, 700);
        assert!(s[..50].iter().all(|&p| p < 1e-6));
        let on = active(&s);
        assert!(on.iter().all(|f| (148..172).contains(f)), "{on:?}");
    }

    #[test]
    fn settings_that_do_not_fit_are_errors() {
        let err = |config: EnergyConfig, rate: u32| {
            EnergyDetector::new(config, rate).unwrap_err().to_string()
        };
        let d = EnergyConfig::default();
        let e = err(d.clone(), 8000);
        assert!(e.contains("Nyquist") && e.contains("7000"), "{e}");
        let e = err(
            EnergyConfig {
                high_hz: 8000.0,
                ..d.clone()
            },
            16_000,
        );
        assert!(e.contains("Nyquist"), "{e}");
        let e = err(
            EnergyConfig {
                low_hz: 7000.0,
                high_hz: 2000.0,
                ..d.clone()
            },
            16_000,
        );
        assert!(e.contains("low_hz"), "{e}");
        let e = err(
            EnergyConfig {
                margin_db: f32::NAN,
                ..d.clone()
            },
            16_000,
        );
        assert!(e.contains("margin_db"), "{e}");
        let e = err(
            EnergyConfig {
                hop_s: 1e-6,
                ..d.clone()
            },
            16_000,
        );
        assert!(e.contains("hop"), "{e}");
        assert!(err(d.clone(), 0).contains("sample rate"));
        let d48 = EnergyDetector::new(d, 48_000).unwrap();
        assert_eq!(d48.hop_samples(), 480);
    }

    #[test]
    fn sections_make_a_butterworth_band_pass() {
        assert!((butterworth_q(0) - 1.3066).abs() < 1e-3);
        assert!((butterworth_q(1) - 0.5412).abs() < 1e-3);
        // Gain of a steady sine after the transient, against the analogue design.
        let gain_db = |hz: f32| {
            let mut f = BandPass::new(1000.0, 7000.0, RATE);
            let n = RATE as usize;
            let mut sum = 0.0f64;
            for i in 0..n {
                let x = (std::f32::consts::TAU * hz * i as f32 / RATE as f32).sin();
                let y = f.process(x);
                if i >= n / 2 {
                    sum += (y * y) as f64;
                }
            }
            10.0 * (sum / (n / 2) as f64 / 0.5).log10()
        };
        assert!(gain_db(3000.0).abs() < 0.2, "{}", gain_db(3000.0));
        assert!((gain_db(1000.0) + 3.0).abs() < 0.3, "{}", gain_db(1000.0));
        assert!(gain_db(200.0) < -50.0, "{}", gain_db(200.0));
        assert!(gain_db(250.0) < -45.0);
    }
}
