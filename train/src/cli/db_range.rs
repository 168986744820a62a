//! The value parser of the dB range flags (`--snr-db`, `--noise-snr`): `LOW,HIGH`, checked at
//! parse time so a bad range is a usage error.

/// `LOW,HIGH` in dB, LOW <= HIGH.
pub fn db_range(s: &str) -> Result<(f32, f32), String> {
    let bad = || format!("`{s}` is not a range in dB: write LOW,HIGH, e.g. -5,15");
    let (low, high) = s.split_once(',').ok_or_else(bad)?;
    let (low, high): (f32, f32) = (
        low.trim().parse().map_err(|_| bad())?,
        high.trim().parse().map_err(|_| bad())?,
    );
    if !(low.is_finite() && high.is_finite() && low <= high) {
        return Err(bad());
    }
    Ok((low, high))
}
