//! hark's firmware on QEMU's mps2-an386 (a Cortex-M4F board): the bundled MCU model, in flash,
//! streams `audio.s16` (mono 16-bit little-endian at the model's rate, read from the host's
//! working directory over semihosting) through the detector and prints each event as
//! `event <class> <first frame> <end frame> <peak>`, then `done <frames>`, then
//! `paced <audio µs> <board µs> <largest lag µs>`: how long the audio lasts, how long the board
//! took on it (embassy-time on SysTick, [`clock`]), and how far at most it ran behind the
//! audio, had the samples arrived in real time (the pacer's lag after each read).
//!
//! ```sh
//! cargo build --release            # in firmware/qemu
//! qemu-system-arm -machine mps2-an386 -nographic -semihosting -icount shift=4 \
//!     -kernel target/thumbv7em-none-eabihf/release/hark-firmware-qemu
//! ```
//! With `-icount shift=N` each instruction takes 2^N ns of board time (shift 4: a core that
//! runs 62.5 M instructions per second); without it board time follows the host's clock.
#![no_std]
#![no_main]

use cortex_m::singleton;
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln, nr, syscall};
use embassy_time::{Duration, Instant};
use hark_firmware::pacing::Pacer;
use hark_firmware::{Blob, Detector, Engine, Event, EventSink};
use panic_semihosting as _;

mod clock;

/// The MCU-tier model (contract 3), read in place from flash.
static BLOB: &[u8] = include_bytes!("../../models/mcu.hmb");
// F32S, I8S: the engine's RAM; CHUNK: the model's chunk (from the blob, by build.rs).
include!(concat!(env!("OUT_DIR"), "/arena.rs"));
/// Samples read from the host at a time, as a recorder's DMA would deliver them.
const READ: usize = 512;

struct Print;

impl EventSink for Print {
    fn event(&mut self, e: Event) {
        hprintln!("event {} {} {} {}", e.class, e.frames.0, e.frames.1, e.peak);
    }
}

fn fail(why: &str) -> ! {
    hprintln!("error: {}", why);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

/// Opens a host file for binary reading; its handle.
fn open(name: &str) -> Option<usize> {
    // SAFETY: SYS_OPEN reads `len` bytes of the NUL-terminated name, which outlives the call.
    let handle = unsafe { syscall!(OPEN, name.as_ptr(), nr::open::R_BINARY, name.len() - 1) };
    (handle as isize >= 0).then_some(handle)
}

/// Reads up to `buf.len()` bytes; how many were read.
fn read(handle: usize, buf: &mut [u8]) -> usize {
    // SAFETY: SYS_READ writes at most `buf.len()` bytes into `buf`; it returns how many it did not.
    let unread = unsafe { syscall!(READ, handle, buf.as_mut_ptr(), buf.len()) };
    buf.len() - unread
}

#[entry]
fn main() -> ! {
    let peripherals = cortex_m::Peripherals::take().unwrap_or_else(|| fail("no peripherals"));
    clock::start(peripherals.SYST);
    let blob = Blob::parse(BLOB).unwrap_or_else(|_| fail("the bundled blob does not read"));
    let (needed, rate) = (blob.arena(), blob.dims.sample_rate);
    let f32s = singleton!(: [f32; F32S] = [0.0; F32S]).unwrap();
    let i8s = singleton!(: [i8; I8S] = [0; I8S]).unwrap();
    let Ok(engine) = Engine::new(blob, f32s, i8s) else {
        hprintln!(
            "engine needs {} f32 and {} i8 values",
            needed.f32s,
            needed.i8s
        );
        fail("the arena is too small")
    };
    let Ok(detector) = Detector::<i16, CHUNK>::new(engine) else {
        fail("the model's chunk is not CHUNK samples")
    };
    let detector = singleton!(: Detector<'static, 'static, i16, CHUNK> = detector).unwrap();
    let Some(audio) = open("audio.s16\0") else {
        fail("cannot open audio.s16")
    };
    let (mut bytes, mut samples) = ([0u8; 2 * READ], [0i16; READ]);
    let pacer = Pacer::new(Instant::now(), rate);
    let (mut streamed, mut lag) = (0u64, Duration::from_ticks(0));
    loop {
        let n = read(audio, &mut bytes) / 2;
        for (s, b) in samples.iter_mut().zip(bytes.chunks_exact(2)) {
            *s = i16::from_le_bytes([b[0], b[1]]);
        }
        detector.push(&samples[..n], &mut Print);
        streamed += n as u64;
        lag = lag.max(pacer.lag(streamed, Instant::now()));
        if n < READ {
            break;
        }
    }
    detector.finish(&mut Print);
    let took = Instant::now() - pacer.due(0);
    hprintln!("done {}", detector.frames());
    hprintln!(
        "paced {} {} {}",
        (pacer.due(streamed) - pacer.due(0)).as_micros(),
        took.as_micros(),
        lag.as_micros()
    );
    debug::exit(debug::EXIT_SUCCESS);
    loop {
        cortex_m::asm::wfi();
    }
}
