//! The firmware on a Cortex-M4F: the QEMU board binary (firmware/qemu) built for
//! thumbv7em-none-eabihf, its flash and static RAM against the AudioMoth profile and the MCU
//! tier, and a bundled recording streamed through it under qemu-system-arm (mps2-an386) with
//! the same events as the firmware engine on the host, on a board clock (embassy-time on
//! SysTick) that follows the emulated instruction count.
//!
//! Skips, saying so, when qemu-system-arm or the thumbv7em target is missing, unless
//! HARK_REQUIRE_QEMU is set (tests/run-all.sh installs both and sets it).

use std::path::{Path, PathBuf};
use std::process::Command;

use hark_firmware::{Blob, Detector, Engine, Event, EventSink};
use hark_hardware::board::Board;
use hark_tests::{bundled_finch, workspace};

const ELF: &str = "firmware/qemu/target/thumbv7em-none-eabihf/release/hark-firmware-qemu";

fn skip(why: &str) -> bool {
    assert!(
        std::env::var_os("HARK_REQUIRE_QEMU").is_none(),
        "HARK_REQUIRE_QEMU is set but {why}"
    );
    eprintln!("SKIPPED: {why} (tests/run-all.sh installs it)");
    true
}

/// Builds the board binary; `None` (after saying why) when this machine cannot.
fn board_binary() -> Option<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--release"])
        // Its .cargo/config.toml (the target and the linker script) is read from here.
        .current_dir(workspace().join("firmware/qemu"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("cargo runs");
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && log.contains("target may not be installed") {
        skip("the thumbv7em-none-eabihf target is not installed");
        return None;
    }
    assert!(
        out.status.success(),
        "building firmware/qemu failed:\n{log}"
    );
    Some(workspace().join(ELF))
}

/// Bytes of flash (code, constants, initial data) and of static RAM (data, zeroed data) of a
/// 32-bit little-endian ELF, from its section headers.
fn flash_and_ram(elf: &[u8]) -> (u64, u64) {
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(elf[o..o + 4].try_into().unwrap()) as u64;
    assert_eq!(&elf[..5], b"\x7fELF\x01", "a 32-bit ELF");
    let (table, entry, count) = (u32_at(0x20) as usize, u16_at(0x2e), u16_at(0x30));
    let (mut flash, mut ram) = (0, 0);
    for i in 0..count {
        let h = table + i * entry;
        let (kind, flags, addr, size) =
            (u32_at(h + 4), u32_at(h + 8), u32_at(h + 12), u32_at(h + 20));
        const ALLOC: u64 = 2;
        const NOBITS: u64 = 8;
        if flags & ALLOC == 0 || size == 0 {
            continue;
        }
        let in_ram = addr >= 0x2000_0000;
        if kind != NOBITS {
            flash += size; // initialised data is copied from flash at boot
        }
        if in_ram {
            ram += size;
        }
    }
    (flash, ram)
}

struct Collect(Vec<Event>);

impl EventSink for Collect {
    fn event(&mut self, e: Event) {
        self.0.push(e);
    }
}

fn host_events(blob: &[u8], samples: &[i16]) -> Vec<String> {
    let blob = Blob::parse(blob).unwrap();
    let sizes = blob.arena();
    let (mut f, mut q) = (vec![0.0; sizes.f32s], vec![0; sizes.i8s]);
    let engine = Engine::new(blob, &mut f, &mut q).unwrap();
    let mut detector = Detector::<i16, 2560>::new(engine).unwrap();
    let mut sink = Collect(Vec::new());
    for piece in samples.chunks(512) {
        detector.push(piece, &mut sink);
    }
    detector.finish(&mut sink);
    let mut lines: Vec<String> = sink
        .0
        .iter()
        .map(|e| format!("event {} {} {} {}", e.class, e.frames.0, e.frames.1, e.peak))
        .collect();
    lines.push(format!("done {}", detector.frames()));
    lines
}

fn pcm16(path: &Path) -> Vec<i16> {
    hark::audio::load(path, 16_000)
        .unwrap()
        .iter()
        .map(|s| (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

#[test]
fn board_binary_fits_the_audiomoth_and_finds_the_hosts_events_under_qemu() {
    if Command::new("qemu-system-arm")
        .arg("--version")
        .output()
        .is_err()
        && skip("qemu-system-arm is not installed")
    {
        return;
    }
    let Some(elf) = board_binary() else { return };

    let (flash, ram) = flash_and_ram(&std::fs::read(&elf).unwrap());
    let audiomoth = Board::named("audiomoth").unwrap();
    let mcu = hark_hardware::tier::MCU;
    eprintln!(
        "thumbv7em ELF: flash {flash} bytes of the AudioMoth's {}, static RAM {ram} bytes of the \
         MCU tier's {}",
        audiomoth.memory.flash_bytes,
        mcu.max_ram_bytes.unwrap()
    );
    assert!(flash <= audiomoth.memory.flash_bytes, "flash {flash}");
    assert!(ram <= mcu.max_ram_bytes.unwrap(), "static RAM {ram}");

    let samples = pcm16(&bundled_finch().join("bird0_2.wav"));
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(dir.path().join("audio.s16"), bytes).unwrap();
    // Each instruction takes 2^shift ns of board time.
    let run = |shift: u32| -> (Vec<String>, [u64; 3]) {
        let out = Command::new("timeout")
            .args([
                "300",
                "qemu-system-arm",
                "-machine",
                "mps2-an386",
                "-nographic",
            ])
            .args(["-icount", &format!("shift={shift}")])
            .args(["-semihosting-config", "enable=on,target=native", "-kernel"])
            .arg(&elf)
            .current_dir(dir.path())
            .output()
            .expect("qemu-system-arm runs");
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "qemu: {printed}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (paced, lines): (Vec<String>, Vec<String>) = printed
            .lines()
            .map(|l| l.trim().to_string())
            .partition(|l| l.starts_with("paced "));
        let times: Vec<u64> = paced[0]
            .split(' ')
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect();
        (lines, times.try_into().unwrap())
    };
    let (lines, [audio_us, fast_us, fast_lag]) = run(3);
    let (slow_lines, [_, slow_us, slow_lag]) = run(4);
    eprintln!(
        "{audio_us} us of audio: board time {fast_us} us at 125 M instructions/s (largest lag \
         {fast_lag} us), {slow_us} us at 62.5 M (lag {slow_lag} us)"
    );
    assert_eq!(lines, slow_lines);
    assert_eq!(audio_us, samples.len() as u64 * 1_000_000 / 16_000);
    // The clock counts emulated work, its wraps included (SysTick wraps every 0.67 s).
    let ratio = slow_us as f64 / fast_us as f64;
    assert!(
        (ratio - 2.0).abs() < 0.01,
        "board times {fast_us} and {slow_us} us"
    );
    // Behind real time, the lag after the last read is about the time overrun.
    for (took, lag) in [(fast_us, fast_lag), (slow_us, slow_lag)] {
        assert!(lag <= took);
        if took > audio_us {
            assert!(
                lag + 100_000 >= took - audio_us,
                "lag {lag} us, took {took} us"
            );
        }
    }

    let blob = std::fs::read(workspace().join("firmware/models/mcu.hmb")).unwrap();
    let expected = host_events(&blob, &samples);
    assert!(expected.len() > 20, "{} events", expected.len() - 1);
    assert_eq!(lines, expected);
}
