//! Event-rule flags: `--on`, `--off`, `--min-event`, `--merge-gap`, `--max-event`,
//! `--boundaries`, `--classes`, laid over the engine's own defaults.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use hark::model::class_list;
use hark::model::contract::Boundaries;
use hark::stream::events::EventRules;

/// A probability for every class (`0.6`), or per class (`song=0.6,call=0.4`); classes not named
/// keep their default.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassValues(Vec<(Option<String>, f32)>);

impl std::str::FromStr for ClassValues {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let parts = s.split(',').map(|part| {
            let (class, value) = match part.split_once('=') {
                Some((c, v)) => (Some(c.trim().to_string()), v),
                None => (None, part),
            };
            match value.trim().parse::<f32>() {
                Ok(p) if (0.0..=1.0).contains(&p) => Ok((class, p)),
                _ => Err(format!(
                    "`{part}` is not a probability: write 0.6 for every class, or class=0.6"
                )),
            }
        });
        parts.collect::<Result<_, _>>().map(Self)
    }
}

impl ClassValues {
    /// Applies the values to `per_class` (indexed like `classes`).
    fn apply(&self, classes: &[String], per_class: &mut [f32], flag: &str) -> Result<()> {
        for (class, value) in &self.0 {
            match class {
                None => per_class.fill(*value),
                Some(name) => match classes.iter().position(|c| c == name) {
                    Some(i) => per_class[i] = *value,
                    None => bail!("{flag}: the model has no class `{name}` (it has: {classes:?})"),
                },
            }
        }
        Ok(())
    }
}

/// The event flags a user gave; `None` keeps the engine's default.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RuleFlags {
    /// Probability at which an event opens: one value, or class=value,... (default: the model's).
    #[arg(long, value_name = "P")]
    pub on: Option<ClassValues>,
    /// Probability below which an open event closes (default: the model's).
    #[arg(long, value_name = "P")]
    pub off: Option<ClassValues>,
    /// Shortest event kept, seconds (default: the model's).
    #[arg(long, value_name = "S")]
    pub min_event: Option<f64>,
    /// Events closer than this are merged, seconds (default: the model's).
    #[arg(long, value_name = "S")]
    pub merge_gap: Option<f64>,
    /// Longer events are cut into pieces of this length, seconds; 0: never (default: 30).
    #[arg(long, value_name = "S")]
    pub max_event: Option<f64>,
    /// Where events start and end: `model`, where its probabilities cross the thresholds, or
    /// `energy`: the model says which stretches hold a call, the energy detector where each
    /// starts and ends (default: the model's; the bundled default asks for `energy`).
    #[arg(long, value_name = "FROM")]
    pub boundaries: Option<Boundaries>,
    /// Report only the classes named in FILE, one per line (`#` starts a comment): a site's
    /// species list, without retraining. A name the model does not have is an error.
    #[arg(long, value_name = "FILE")]
    pub classes: Option<PathBuf>,
}

impl RuleFlags {
    /// `defaults` with the flags laid over them; checks that they make sense together.
    pub fn over(&self, mut rules: EventRules, classes: &[String]) -> Result<EventRules> {
        if let Some(on) = &self.on {
            on.apply(classes, &mut rules.on, "--on")?;
        }
        if let Some(off) = &self.off {
            off.apply(classes, &mut rules.off, "--off")?;
        }
        let frames = |flag: &str, seconds: f64| -> Result<usize> {
            if !(seconds.is_finite() && seconds >= 0.0) {
                bail!("{flag} must be 0 or more seconds, not {seconds}");
            }
            Ok(EventRules::frames(seconds, rules.hop_s))
        };
        if let Some(s) = self.min_event {
            rules.min_frames = frames("--min-event", s)?;
        }
        if let Some(s) = self.merge_gap {
            rules.merge_gap_frames = frames("--merge-gap", s)?;
        }
        if let Some(s) = self.max_event {
            rules.max_frames = frames("--max-event", s)?;
        }
        if let Some(b) = self.boundaries {
            rules.boundaries = b;
        }
        if let Some(list) = &self.classes {
            rules.kept = kept_classes(list, classes)?;
        }
        for (i, class) in classes.iter().enumerate() {
            if rules.off[i] > rules.on[i] {
                bail!(
                    "class `{class}`: the off threshold {} is above the on threshold {}; an \
                     event could never stay open",
                    rules.off[i],
                    rules.on[i]
                );
            }
        }
        if rules.max_frames > 0 && rules.max_frames < rules.min_frames {
            bail!("--max-event is shorter than --min-event: every event would be dropped");
        }
        Ok(rules)
    }
}

/// Which of `classes` the class list at `path` keeps.
fn kept_classes(path: &Path, classes: &[String]) -> Result<Vec<bool>> {
    let names = class_list::read(path).context("--classes")?;
    let unknown: Vec<&String> = names.iter().filter(|n| !classes.contains(n)).collect();
    if !unknown.is_empty() {
        bail!(
            "--classes: {} names classes the model does not have: {unknown:?} (it has: \
             {classes:?})",
            path.display()
        );
    }
    Ok(classes.iter().map(|c| names.contains(c)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> EventRules {
        EventRules {
            on: vec![0.5, 0.5],
            off: vec![0.4, 0.4],
            min_frames: 2,
            merge_gap_frames: 0,
            max_frames: 3000,
            hop_s: 0.01,
            boundaries: Boundaries::Model,
            kept: vec![true, true],
        }
    }

    fn classes() -> Vec<String> {
        vec!["song".into(), "call".into()]
    }

    #[test]
    fn flags_override_per_class_or_for_all() {
        let flags = RuleFlags {
            on: Some("0.7,call=0.6".parse().unwrap()),
            off: Some("call=0.2".parse().unwrap()),
            min_event: Some(0.05),
            max_event: Some(0.0),
            ..Default::default()
        };
        let r = flags.over(defaults(), &classes()).unwrap();
        assert_eq!((r.on, r.off), (vec![0.7, 0.6], vec![0.4, 0.2]));
        assert_eq!((r.min_frames, r.max_frames), (5, 0));
    }

    #[test]
    fn nonsense_is_refused_with_the_reason() {
        assert!("1.5".parse::<ClassValues>().is_err());
        assert!("song=x".parse::<ClassValues>().is_err());
        let unknown = RuleFlags {
            on: Some("bark=0.6".parse().unwrap()),
            ..Default::default()
        };
        let e = unknown.over(defaults(), &classes()).unwrap_err();
        assert!(e.to_string().contains("no class `bark`"), "{e}");
        let crossed = RuleFlags {
            off: Some("0.9".parse().unwrap()),
            ..Default::default()
        };
        assert!(crossed.over(defaults(), &classes()).is_err());
        let negative = RuleFlags {
            merge_gap: Some(-1.0),
            ..Default::default()
        };
        assert!(negative.over(defaults(), &classes()).is_err());
    }

    #[test]
    fn a_class_list_keeps_its_classes_and_names_what_the_model_lacks() {
        let dir = tempfile::tempdir().unwrap();
        let list = |text: &str| {
            let path = dir.path().join("site.txt");
            std::fs::write(&path, text).unwrap();
            RuleFlags {
                classes: Some(path),
                ..Default::default()
            }
            .over(defaults(), &classes())
        };
        let kept = list("# this site\ncall  # the contact call\n\n")
            .unwrap()
            .kept;
        assert_eq!(kept, vec![false, true]);
        let e = format!("{:#}", list("call\nbark\n").unwrap_err());
        assert!(e.contains("site.txt") && e.contains("\"bark\""), "{e}");
        let e = format!("{:#}", list("# nothing\n").unwrap_err());
        assert!(e.contains("names no class"), "{e}");
        let missing = RuleFlags {
            classes: Some(dir.path().join("absent.txt")),
            ..Default::default()
        };
        let e = format!("{:#}", missing.over(defaults(), &classes()).unwrap_err());
        assert!(e.contains("absent.txt"), "{e}");
    }
}
