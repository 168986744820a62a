//! The pacer on embassy-time's mock clock (process-global, so this file tells one clock story).

use embassy_time::{Duration, Instant, MockDriver};
use hark_firmware::pacing::Pacer;

#[test]
fn lag_is_the_time_since_the_last_sample_arrived() {
    let clock = MockDriver::get();
    let pacer = Pacer::new(Instant::now(), 16_000);
    // One 160 ms chunk (2560 samples) has arrived when the clock reaches 160 ms.
    assert_eq!(pacer.due(2560) - pacer.due(0), Duration::from_millis(160));
    clock.advance(Duration::from_millis(100));
    assert_eq!(pacer.lag(2560, Instant::now()), Duration::from_ticks(0));
    // The chunk took 30 ms to run after it arrived: 30 ms behind.
    clock.advance(Duration::from_millis(90));
    assert_eq!(pacer.lag(2560, Instant::now()), Duration::from_millis(30));
    // Two chunks later, still running 30 ms after each arrival: the lag does not grow.
    clock.advance(Duration::from_millis(320));
    assert_eq!(
        pacer.lag(3 * 2560, Instant::now()),
        Duration::from_millis(30)
    );
}
