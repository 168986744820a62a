//! embassy-time's clock on the Cortex-M SysTick: the 24-bit down-counter runs at the core clock
//! and its wrap interrupt extends it to 64 bits. Under `qemu-system-arm -icount shift=N` the
//! core clock follows the instruction count (2^N ns per instruction), so board time measures
//! the work done, whatever the host's speed.
//!
//! Timers (`schedule_wake`) are not needed here: the binary has no executor.

use core::sync::atomic::{AtomicU32, Ordering};
use core::task::Waker;

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;
use embassy_time_driver::{Driver, TICK_HZ};

/// The mps2-an386's system clock, which drives SysTick's core clock source in QEMU.
const CORE_HZ: u64 = 25_000_000;
/// SysTick counts down from this and wraps: 0.67 s at 25 MHz.
const RELOAD: u32 = 0x00ff_ffff;

/// Wraps of the counter since [`start`].
static WRAPS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    WRAPS.fetch_add(1, Ordering::Relaxed);
}

/// Starts the clock at zero.
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(RELOAD);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

struct SysTickClock;

impl Driver for SysTickClock {
    fn now(&self) -> u64 {
        // A wrap between the two reads of WRAPS means the counter read may belong to either
        // side of it: read again. (Called with interrupts enabled, so a wrap is counted at once.)
        let (wraps, current) = loop {
            let before = WRAPS.load(Ordering::Relaxed);
            let current = SYST::get_current();
            if WRAPS.load(Ordering::Relaxed) == before {
                break (before, current);
            }
        };
        let cycles = wraps as u64 * (RELOAD as u64 + 1) + (RELOAD - current) as u64;
        cycles * TICK_HZ / CORE_HZ
    }

    fn schedule_wake(&self, _at: u64, waker: &Waker) {
        waker.wake_by_ref();
    }
}

embassy_time_driver::time_driver_impl!(static CLOCK: SysTickClock = SysTickClock);
