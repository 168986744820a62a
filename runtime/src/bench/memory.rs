//! This process's memory as Linux reports it in `/proc/self/status`: resident now (the live
//! status lines, flat over a long run or not) and its high-water mark (benchmarks).

/// Resident memory now, in bytes, where the system reports it (Linux).
pub fn rss_bytes() -> Option<u64> {
    status_bytes("VmRSS:")
}

/// The most memory this process has held (resident set high-water mark), in bytes, where the
/// system reports it (Linux).
pub fn peak_rss_bytes() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// A `kB` line of `/proc/self/status`, in bytes.
fn status_bytes(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
