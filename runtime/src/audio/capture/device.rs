//! Sound cards through cpal: listing them, choosing one, negotiating a format, and a running
//! input stream whose callback only feeds a [`RingWriter`].

use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc;

use anyhow::{Context, Result, anyhow, bail};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{
    BufferSize, ErrorKind, FromSample, SampleFormat, SizedSample, StreamConfig,
    SupportedBufferSize, SupportedStreamConfigRange,
};

use super::ring::RingWriter;
use super::{Format, Request};

/// One input device, for `--list-devices`.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    /// What `--device` takes.
    pub id: String,
    pub name: String,
    pub is_default: bool,
    /// Its default format, or why it has none.
    pub default_format: String,
}

/// The audio host named `name` (`alsa`, `jack`, `pipewire`: those this build has), or the
/// default one.
pub fn host(name: Option<&str>) -> Result<cpal::Host> {
    let Some(name) = name else {
        return Ok(cpal::default_host());
    };
    let hosts = cpal::available_hosts();
    match hosts.iter().find(|h| h.name().eq_ignore_ascii_case(name)) {
        Some(id) => cpal::host_from_id(*id).map_err(|e| anyhow!("audio host {name}: {e}")),
        None => bail!(
            "no audio host {name:?} in this build (it has: {}; JACK and PipeWire are cargo \
             features `jack` and `pipewire`)",
            hosts
                .iter()
                .map(|h| h.name())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Every input device of a host.
pub fn list_devices(host_name: Option<&str>) -> Result<Vec<DeviceInfo>> {
    let host = host(host_name)?;
    let default = host.default_input_device().and_then(|d| d.id().ok());
    let devices = host
        .input_devices()
        .map_err(|e| anyhow!("cannot list the {} input devices: {e}", host.id()))?;
    Ok(devices
        .map(|d| {
            let id = d.id().ok();
            DeviceInfo {
                is_default: id.is_some() && id == default,
                id: id.map_or_else(|| d.to_string(), |i| i.to_string()),
                name: d.to_string(),
                default_format: match d.default_input_config() {
                    Ok(c) => format!(
                        "{} Hz, {} channel(s), {}",
                        c.sample_rate(),
                        c.channels(),
                        c.sample_format()
                    ),
                    Err(e) => format!("no default format ({e})"),
                },
            }
        })
        .collect())
}

/// A running input stream. Dropping it stops capture.
pub struct DeviceStream {
    _stream: cpal::Stream,
    /// Errors the backend reported that ended the stream (a disconnect, above all).
    pub fatal: mpsc::Receiver<String>,
}

/// Opens `request.device` (default: the host's default input), negotiates a format and returns
/// it without starting anything.
pub fn negotiate(request: &Request) -> Result<(cpal::Device, Format)> {
    let host = host(request.host.as_deref())?;
    let device = match &request.device {
        None => host
            .default_input_device()
            .with_context(|| format!("the {} host has no default input device", host.id()))?,
        Some(wanted) => find(&host, wanted)?,
    };
    let ranges: Vec<SupportedStreamConfigRange> = device
        .supported_input_configs()
        .map_err(|e| anyhow!("{device}: cannot read its input formats: {e}"))?
        .collect();
    let default = device.default_input_config().ok();
    let format = choose(&ranges, default.as_ref(), request)
        .with_context(|| format!("input device {device}"))?;
    Ok((device, format))
}

fn find(host: &cpal::Host, wanted: &str) -> Result<cpal::Device> {
    let devices: Vec<cpal::Device> = host
        .input_devices()
        .map_err(|e| anyhow!("cannot list the {} input devices: {e}", host.id()))?
        .collect();
    let names: Vec<String> = devices.iter().map(|d| d.to_string()).collect();
    let by_id = devices.iter().position(|d| {
        d.id()
            .is_ok_and(|i| i.to_string() == wanted || i.id() == wanted)
    });
    let by_name = || names.iter().position(|n| n == wanted);
    match by_id
        .or_else(by_name)
        .and_then(|i| devices.into_iter().nth(i))
    {
        Some(device) => Ok(device),
        None => bail!(
            "no input device {wanted:?}; `hark listen --list-devices` shows them ({})",
            names.join(", ")
        ),
    }
}

/// Sample formats hark converts in its callback, best first.
const FORMATS: [SampleFormat; 7] = [
    SampleFormat::F32,
    SampleFormat::I32,
    SampleFormat::I16,
    SampleFormat::F64,
    SampleFormat::U16,
    SampleFormat::I8,
    SampleFormat::U8,
];

/// The format to open: the requested rate (default: the device's own default rate), mono or
/// enough channels for `--channel`, the best sample format the device offers at that rate.
fn choose(
    ranges: &[SupportedStreamConfigRange],
    default: Option<&cpal::SupportedStreamConfig>,
    request: &Request,
) -> Result<Format> {
    let rate = request
        .rate
        .or(default.map(|d| d.sample_rate()))
        .unwrap_or(48_000);
    let min_channels = request.channel.map_or(1, |c| c + 1) as u16;
    let fits = |r: &&SupportedStreamConfigRange| {
        FORMATS.contains(&r.sample_format())
            && r.min_sample_rate() <= rate
            && rate <= r.max_sample_rate()
            && r.channels() >= min_channels
    };
    // Mixing down: mono where the device offers it (its own mix, and a quarter of the data);
    // otherwise, and for --channel, its default layout.
    let wanted_channels = match request.channel {
        None if ranges.iter().filter(fits).any(|r| r.channels() == 1) => 1,
        _ => default.map_or(1, |d| d.channels()).max(min_channels),
    };
    let best = ranges.iter().filter(fits).max_by_key(|r| {
        let format_rank = FORMATS.len()
            - FORMATS
                .iter()
                .position(|f| *f == r.sample_format())
                .unwrap_or(0);
        (
            r.channels() == wanted_channels,
            format_rank,
            std::cmp::Reverse(r.channels()),
        )
    });
    let Some(range) = best else {
        let offered: Vec<String> = ranges
            .iter()
            .map(|r| {
                format!(
                    "{}-{} Hz x{} {}",
                    r.min_sample_rate(),
                    r.max_sample_rate(),
                    r.channels(),
                    r.sample_format()
                )
            })
            .collect();
        bail!(
            "no input format at {rate} Hz with {min_channels} or more channels in a sample format \
             hark reads; it offers: {}",
            offered.join(", ")
        );
    };
    let period = match range.buffer_size() {
        SupportedBufferSize::Range { min, max } => Some(request.period.clamp(*min, *max)),
        SupportedBufferSize::Unknown => None,
    };
    Ok(Format {
        sample_rate: rate,
        channels: range.channels() as usize,
        sample_format: range.sample_format().to_string(),
        period,
        cpal_format: range.sample_format(),
    })
}

/// Starts capture: every block the device delivers goes to `writer`.
pub fn start(device: &cpal::Device, format: &Format, writer: RingWriter) -> Result<DeviceStream> {
    let config = StreamConfig {
        channels: format.channels as u16,
        sample_rate: format.sample_rate,
        buffer_size: format.period.map_or(BufferSize::Default, BufferSize::Fixed),
    };
    let (fatal_tx, fatal) = mpsc::channel();
    let counters = writer.counters().clone();
    // The error callback runs on the backend's thread, not in the audio path: it may allocate.
    let on_error = move |e: cpal::Error| {
        if e.kind() == ErrorKind::Xrun {
            counters.xruns.fetch_add(1, Relaxed);
        } else if matches!(
            e.kind(),
            ErrorKind::DeviceNotAvailable | ErrorKind::StreamInvalidated
        ) {
            let _ = fatal_tx.send(e.to_string());
        }
    };
    let stream = match format.cpal_format {
        SampleFormat::F32 => build::<f32>(device, config, writer, on_error),
        SampleFormat::I32 => build::<i32>(device, config, writer, on_error),
        SampleFormat::I16 => build::<i16>(device, config, writer, on_error),
        SampleFormat::F64 => build::<f64>(device, config, writer, on_error),
        SampleFormat::U16 => build::<u16>(device, config, writer, on_error),
        SampleFormat::I8 => build::<i8>(device, config, writer, on_error),
        SampleFormat::U8 => build::<u8>(device, config, writer, on_error),
        other => bail!("{device}: hark does not read {other} samples"),
    }
    .map_err(|e| anyhow!("{device}: cannot open an input stream ({e})"))?;
    stream
        .play()
        .map_err(|e| anyhow!("{device}: cannot start capture ({e})"))?;
    Ok(DeviceStream {
        _stream: stream,
        fatal,
    })
}

fn build<T>(
    device: &cpal::Device,
    config: StreamConfig,
    mut writer: RingWriter,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    device.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], _| writer.write(data, f32::from_sample_),
        on_error,
        None,
    )
}
