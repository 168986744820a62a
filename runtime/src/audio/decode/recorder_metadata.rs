//! When a recording started, as the recorder wrote it into the WAV file: a GUANO `guan` chunk
//! (`Timestamp: 2026-05-01T05:30:00-04:00`, bat and bird recorders) or an AudioMoth comment in
//! `LIST/INFO/ICMT` (`Recorded at 05:30:00 01/05/2026 (UTC-4) by AudioMoth ...`). Only a start
//! with a known UTC offset is taken: a local time without one cannot be placed.

use std::io::{Read, Seek, SeekFrom};
use std::time::{Duration, SystemTime};

/// Chunks looked at before giving up.
const MAX_CHUNKS: usize = 64;
/// Metadata chunks larger than this are not read.
const MAX_TEXT: u32 = 64 << 10;

/// The UTC time of the first sample of a WAV file, when its metadata says; read from the start
/// of `file` (the caller seeks back). Anything unreadable or absent is `None`: metadata never
/// stops a detection.
pub fn recording_start(file: &mut (impl Read + Seek)) -> Option<SystemTime> {
    let mut head = [0u8; 12];
    file.read_exact(&mut head).ok()?;
    (&head[..4] == b"RIFF" && &head[8..] == b"WAVE").then_some(())?;
    let (mut guano, mut comment) = (None, None);
    for _ in 0..MAX_CHUNKS {
        let mut chunk = [0u8; 8];
        if file.read_exact(&mut chunk).is_err() {
            break;
        }
        let size = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        let body = file.stream_position().ok()?;
        match &chunk[..4] {
            b"guan" if size <= MAX_TEXT => guano = body_of(file, size).map(|b| text(&b)),
            // Other LIST chunks (`adtl`: cue labels) hold no comment.
            b"LIST" if size <= MAX_TEXT && comment.is_none() => {
                comment = body_of(file, size).and_then(|b| info_comment(&b))
            }
            _ => {}
        }
        let next = body + u64::from(size) + u64::from(size & 1);
        if file.seek(SeekFrom::Start(next)).is_err() {
            break;
        }
    }
    guano
        .as_deref()
        .and_then(guano_timestamp)
        .or_else(|| comment.as_deref().and_then(audiomoth_start))
}

fn body_of(file: &mut impl Read, size: u32) -> Option<Vec<u8>> {
    let mut bytes = vec![0; size as usize];
    file.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_end_matches('\0')
        .to_string()
}

/// The `ICMT` entry of a `LIST` chunk's body (`INFO`, then id, size, text entries).
fn info_comment(list: &[u8]) -> Option<String> {
    let bytes = list.strip_prefix(b"INFO")?;
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        let body = bytes.get(at + 8..at + 8 + size)?;
        if &bytes[at..at + 4] == b"ICMT" {
            return Some(text(body));
        }
        at += 8 + size + (size & 1);
    }
    None
}

/// GUANO's `Timestamp` field: ISO 8601 with a `Z` or `+hh:mm` offset.
fn guano_timestamp(guano: &str) -> Option<SystemTime> {
    let value = guano
        .lines()
        .find_map(|l| l.strip_prefix("Timestamp:"))?
        .trim();
    if let Some(local) = value.strip_suffix('Z') {
        return humantime::parse_rfc3339_weak(local).ok();
    }
    // The offset's sign is the last + or - (the date's own dashes come before it).
    let sign_at = value.rfind(['+', '-']).filter(|&i| i > 10)?;
    let local = humantime::parse_rfc3339_weak(&value[..sign_at]).ok()?;
    minus_offset(local, &value[sign_at..])
}

/// AudioMoth's `Recorded at HH:MM:SS DD/MM/YYYY (UTC[+-h[:mm]])`.
fn audiomoth_start(comment: &str) -> Option<SystemTime> {
    let rest = comment.split("Recorded at ").nth(1)?;
    let mut words = rest.split_whitespace();
    let (time, date, zone) = (words.next()?, words.next()?, words.next()?);
    let mut dmy = date.split('/');
    let (d, m, y) = (dmy.next()?, dmy.next()?, dmy.next()?);
    let local = humantime::parse_rfc3339_weak(&format!("{y}-{m:0>2}-{d:0>2}T{time}")).ok()?;
    let offset = zone.strip_prefix("(UTC")?.strip_suffix(')')?;
    if offset.is_empty() {
        return Some(local);
    }
    minus_offset(local, offset)
}

/// `local` (read as if UTC) less a `+h`, `-h:mm` or `+hh:mm` offset: the UTC time.
fn minus_offset(local: SystemTime, offset: &str) -> Option<SystemTime> {
    // Not `split_at`: a damaged comment may hold any character there.
    let (east, hm) = match (offset.strip_prefix('+'), offset.strip_prefix('-')) {
        (Some(hm), _) => (true, hm),
        (_, Some(hm)) => (false, hm),
        _ => return None,
    };
    let mut parts = hm.split(':');
    let hours: u64 = parts.next()?.parse().ok()?;
    let minutes: u64 = parts.next().map_or(Ok(0), str::parse).ok()?;
    (hours <= 14 && minutes < 60).then_some(())?;
    let by = Duration::from_secs(hours * 3600 + minutes * 60);
    match east {
        true => local.checked_sub(by),
        false => local.checked_add(by),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> SystemTime {
        humantime::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn guano_timestamps_with_an_offset_are_placed_in_utc() {
        let g =
            "GUANO|Version: 1.0\nMake: Wildlife Acoustics\nTimestamp: 2026-05-01T05:30:00-04:00\n";
        assert_eq!(guano_timestamp(g), Some(utc("2026-05-01T09:30:00Z")));
        let z = "GUANO|Version: 1.0\nTimestamp: 2026-05-01T05:30:00.250Z\n";
        assert_eq!(guano_timestamp(z), Some(utc("2026-05-01T05:30:00.250Z")));
        let east = "Timestamp: 2026-05-01T05:30:00+05:30";
        assert_eq!(guano_timestamp(east), Some(utc("2026-05-01T00:00:00Z")));
        // A local time without an offset cannot be placed.
        assert_eq!(guano_timestamp("Timestamp: 2026-05-01T05:30:00"), None);
    }

    #[test]
    fn audiomoth_comments_give_their_start() {
        let c = "Recorded at 05:30:00 01/05/2026 (UTC-4) by AudioMoth 24F319055FDF2C3B at medium \
                 gain while battery was 4.1V and temperature was 12.3C.";
        assert_eq!(audiomoth_start(c), Some(utc("2026-05-01T09:30:00Z")));
        let plain = "Recorded at 23:00:05 4/12/2026 (UTC) by AudioMoth 1";
        assert_eq!(audiomoth_start(plain), Some(utc("2026-12-04T23:00:05Z")));
        assert_eq!(audiomoth_start("Recorded at noon"), None);
        // Damaged comments are no start, not a panic.
        let odd = "Recorded at 23:00:05 4/12/2026 (UTCé1) by AudioMoth 1";
        assert_eq!(audiomoth_start(odd), None);
    }
}
