//! Ultrasonic recordings heard time-expanded, the way a bat detector's time-expansion output plays
//! them: ten times slower, so a bat's 5 ms call at 40 kHz reaches the engine as a 50 ms call at
//! 4 kHz, inside the band of an engine made for audible calls. Events are reported in the
//! recording's own time and band.

/// Recordings at this rate or above are ultrasonic: made for bats, insects or rodents.
pub const ULTRASONIC_RATE: u32 = 192_000;

/// The factor of bat detectors' time-expansion output.
pub const BAT_DETECTOR_FACTOR: u32 = 10;

/// How much slower than recorded an engine hears a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeExpansion {
    /// [`BAT_DETECTOR_FACTOR`] for recordings at [`ULTRASONIC_RATE`] or more, none for others.
    #[default]
    Auto,
    /// This factor for every recording (1: as recorded).
    Factor(u32),
}

impl TimeExpansion {
    /// The factor for a recording at `sample_rate` Hz.
    pub fn factor(self, sample_rate: u32) -> u32 {
        match self {
            TimeExpansion::Auto if sample_rate >= ULTRASONIC_RATE => BAT_DETECTOR_FACTOR,
            TimeExpansion::Auto => 1,
            TimeExpansion::Factor(k) => k,
        }
    }

    /// The rate the engine takes a recording at `sample_rate` Hz to have: played `factor` times
    /// slower, it holds `sample_rate / factor` samples a second.
    pub fn heard_rate(self, sample_rate: u32) -> u32 {
        let k = self.factor(sample_rate);
        ((sample_rate as f64 / k as f64).round() as u32).max(1)
    }
}

impl std::str::FromStr for TimeExpansion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "auto" => Ok(TimeExpansion::Auto),
            n => match n.parse::<u32>() {
                Ok(k @ 1..=1000) => Ok(TimeExpansion::Factor(k)),
                _ => Err(format!(
                    "`{s}` is not a time-expansion factor: write auto, or a whole number from 1 \
                     (as recorded) to 1000"
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ultrasonic_recordings_are_expanded_tenfold_by_default() {
        let auto = TimeExpansion::Auto;
        assert_eq!(auto.factor(384_000), 10);
        assert_eq!(auto.heard_rate(384_000), 38_400);
        assert_eq!(auto.heard_rate(375_000), 37_500);
        assert_eq!(auto.factor(96_000), 1);
        assert_eq!(auto.heard_rate(44_100), 44_100);
        assert_eq!(TimeExpansion::Factor(1).heard_rate(500_000), 500_000);
        assert_eq!(TimeExpansion::Factor(20).heard_rate(96_000), 4800);
    }

    #[test]
    fn factors_parse_or_say_what_is_wrong() {
        assert_eq!("auto".parse(), Ok(TimeExpansion::Auto));
        assert_eq!("10".parse(), Ok(TimeExpansion::Factor(10)));
        for bad in ["0", "-3", "2.5", "fast", "1001"] {
            let err = bad.parse::<TimeExpansion>().unwrap_err();
            assert!(err.contains("time-expansion"), "{err}");
        }
    }
}
