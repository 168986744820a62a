//! The ring between the audio callback and the worker.
//!
//! The callback side ([`RingWriter`]) only copies: it never allocates, locks, blocks or does
//! I/O. When the ring is full it drops the rest of the block and counts it, and every block
//! leaves a [`Mark`] (where it ends in the stream, how much was dropped so far, when it
//! arrived), so the worker ([`RingReader`]) knows exactly where each gap lies and keeps the
//! stream's timeline true.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use crate::audio::decode::ChannelChoice;

/// What the capture side tells the worker and the status line; all of it lock-free.
#[derive(Debug, Default)]
pub struct Counters {
    /// Mono samples the device delivered (kept or dropped).
    pub arrived: AtomicU64,
    /// Of those, samples dropped because the ring was full.
    pub dropped: AtomicU64,
    /// The most samples the ring ever held.
    pub high_water: AtomicUsize,
    /// Buffer overruns the audio backend reported.
    pub xruns: AtomicU64,
    /// The longest the callback took, nanoseconds.
    pub slowest_callback_ns: AtomicU64,
    /// Set when the source has delivered everything it will (a `--duration` reached, a replayed
    /// file ended).
    pub ended: AtomicBool,
    /// Set when the writer is gone (capture stopped).
    pub closed: AtomicBool,
}

/// One delivered block, as the worker learns of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// Stream position just after the block, in samples.
    pub end: u64,
    /// Samples dropped from the start of the stream up to `end`.
    pub dropped: u64,
    /// When the block reached the callback, nanoseconds after the ring's epoch.
    pub arrived_ns: u64,
}

/// A ring for `capacity` samples, shared by a writer (the callback) and a reader (the worker).
/// The stream ends after `limit` samples (`u64::MAX`: never).
pub fn ring(
    capacity: usize,
    choice: ChannelChoice,
    channels: usize,
    limit: u64,
) -> (RingWriter, RingReader) {
    let capacity = capacity.max(1);
    let (samples_in, samples_out) = HeapRb::<f32>::new(capacity).split();
    // One mark per block; blocks are rarely under 64 samples, and a full mark ring only means
    // whole blocks are dropped (still exactly).
    let (marks_in, marks_out) = HeapRb::<Mark>::new(capacity / 64 + 16).split();
    let counters = Arc::new(Counters::default());
    let epoch = Instant::now();
    let writer = RingWriter {
        samples: samples_in,
        marks: marks_in,
        counters: counters.clone(),
        choice,
        channels: channels.max(1),
        limit,
        epoch,
        pending: None,
    };
    let reader = RingReader {
        samples: samples_out,
        marks: marks_out,
        counters,
        epoch,
        block: None,
        position: 0,
        dropped_seen: 0,
    };
    (writer, reader)
}

/// The callback's half of the ring.
pub struct RingWriter {
    samples: HeapProd<f32>,
    marks: HeapProd<Mark>,
    counters: Arc<Counters>,
    choice: ChannelChoice,
    channels: usize,
    limit: u64,
    epoch: Instant,
    /// A mark that found the mark ring full; its block was dropped whole, so later marks
    /// supersede it exactly (the counts are cumulative).
    pending: Option<Mark>,
}

impl RingWriter {
    /// Takes one interleaved block from the device. Real-time safe.
    pub fn write<T: Copy>(&mut self, interleaved: &[T], to_f32: impl Fn(T) -> f32) {
        let started = Instant::now();
        let arrived = self.counters.arrived.load(Relaxed);
        let frames = (interleaved.len() / self.channels) as u64;
        let take = frames.min(self.limit.saturating_sub(arrived));
        if take == 0 {
            // Past the end: only the last mark may still be waiting for room.
            self.flush_pending();
            return;
        }
        let marks_needed = 1 + self.pending.is_some() as usize;
        let mut kept = 0u64;
        let room = self.marks.vacant_len() >= marks_needed;
        if room {
            self.flush_pending();
            for frame in interleaved.chunks_exact(self.channels).take(take as usize) {
                if self
                    .samples
                    .try_push(self.choice.mono(frame, &to_f32))
                    .is_err()
                {
                    break;
                }
                kept += 1;
            }
        }
        let dropped = self.counters.dropped.fetch_add(take - kept, Relaxed) + take - kept;
        let end = arrived + take;
        self.counters.arrived.store(end, Relaxed);
        let mark = Mark {
            end,
            dropped,
            arrived_ns: started.duration_since(self.epoch).as_nanos() as u64,
        };
        if room {
            let _ = self.marks.try_push(mark);
        } else {
            self.pending = Some(mark);
        }
        if end >= self.limit {
            self.flush_pending();
        }
        self.counters
            .high_water
            .fetch_max(self.samples.occupied_len(), Relaxed);
        self.counters
            .slowest_callback_ns
            .fetch_max(started.elapsed().as_nanos() as u64, Relaxed);
    }

    /// The counters this writer updates.
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// Room left in the ring, in samples.
    pub fn vacant(&self) -> usize {
        self.samples.vacant_len()
    }

    /// Marks the stream as complete: the source has nothing more to deliver. `false` while the
    /// last mark still waits for room (call again later).
    pub fn end(&mut self) -> bool {
        self.limit = self.counters.arrived.load(Relaxed);
        self.flush_pending()
    }

    /// Pushes a waiting mark if there is room; once the stream is complete and every mark is in
    /// the ring, says so. `true` when nothing waits.
    fn flush_pending(&mut self) -> bool {
        if let Some(mark) = self.pending
            && self.marks.try_push(mark).is_ok()
        {
            self.pending = None;
        }
        let done = self.pending.is_none();
        if done && self.counters.arrived.load(Relaxed) >= self.limit {
            self.counters.ended.store(true, Relaxed);
        }
        done
    }
}

impl Drop for RingWriter {
    fn drop(&mut self) {
        self.counters
            .closed
            .store(true, std::sync::atomic::Ordering::Release);
    }
}

/// What the worker reads next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// Samples appended to the caller's buffer, starting at stream position `start`; their
    /// block reached the callback at `arrived_ns`.
    Audio { start: u64, arrived_ns: u64 },
    /// `len` samples from `start` on were dropped.
    Gap { start: u64, len: u64 },
}

/// The worker's half of the ring.
pub struct RingReader {
    samples: HeapCons<f32>,
    marks: HeapCons<Mark>,
    counters: Arc<Counters>,
    epoch: Instant,
    /// The block being read: its mark, and how many of its kept samples are still unread.
    block: Option<(Mark, u64)>,
    /// Stream position of the next sample or gap.
    position: u64,
    /// Samples dropped up to the end of the last block read.
    dropped_seen: u64,
}

impl RingReader {
    /// Moves up to `max` samples of the next block into `out`, or reports the gap that comes
    /// next; `None` when nothing has arrived.
    pub fn next(&mut self, out: &mut Vec<f32>, max: usize) -> Option<Piece> {
        let (mark, unread) = match self.block {
            Some(block) => block,
            None => {
                let Some(mark) = self.marks.try_pop() else {
                    return self.closing_gap();
                };
                let kept = mark.end - self.position - (mark.dropped - self.dropped_seen);
                (mark, kept)
            }
        };
        if unread == 0 {
            let start = self.position;
            self.block = None;
            self.position = mark.end;
            self.dropped_seen = mark.dropped;
            // Blocks dropped whole right after join this gap: one gap, one restart.
            while let Some(next) = self.marks.try_peek().copied()
                && next.end - self.position == next.dropped - self.dropped_seen
            {
                self.marks.try_pop();
                (self.position, self.dropped_seen) = (next.end, next.dropped);
            }
            let len = self.position - start;
            return if len == 0 {
                self.next(out, max)
            } else {
                Some(Piece::Gap { start, len })
            };
        }
        let n = unread.min(max.max(1) as u64) as usize;
        let before = out.len();
        out.resize(before + n, 0.0);
        let popped = self.samples.pop_slice(&mut out[before..]);
        debug_assert_eq!(
            popped, n,
            "a block's samples are in the ring before its mark"
        );
        let start = self.position;
        self.position += n as u64;
        self.block = Some((mark, unread - n as u64));
        Some(Piece::Audio {
            start,
            arrived_ns: mark.arrived_ns,
        })
    }

    /// Once the writer is gone, the samples it dropped after its last mark (a mark that found
    /// no room, at the end) as one last gap.
    fn closing_gap(&mut self) -> Option<Piece> {
        if !self
            .counters
            .closed
            .load(std::sync::atomic::Ordering::Acquire)
            || !self.marks.is_empty()
        {
            return None;
        }
        let arrived = self.counters.arrived.load(Relaxed);
        let start = self.position;
        (arrived > start).then(|| {
            self.position = arrived;
            self.dropped_seen = self.counters.dropped.load(Relaxed);
            Piece::Gap {
                start,
                len: arrived - start,
            }
        })
    }

    /// Samples waiting in the ring.
    pub fn backlog(&self) -> usize {
        self.samples.occupied_len()
    }

    /// The ring's size in samples.
    pub fn capacity(&self) -> usize {
        self.samples.capacity().get()
    }

    /// The counters the writer updates.
    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    /// Nanoseconds since the ring's epoch, on the clock the marks use.
    pub fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }
}

impl RingReader {
    /// Stream position of the next sample or gap.
    pub fn position(&self) -> u64 {
        self.position
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(reader: &mut RingReader) -> (Vec<f32>, Vec<Piece>) {
        let (mut audio, mut pieces) = (Vec::new(), Vec::new());
        while let Some(p) = reader.next(&mut audio, 1000) {
            pieces.push(p);
        }
        (audio, pieces)
    }

    fn ramp(from: u64, n: u64) -> Vec<f32> {
        (from..from + n).map(|i| i as f32).collect()
    }

    #[test]
    fn a_full_ring_drops_the_rest_of_the_block_and_says_where() {
        let (mut writer, mut reader) = ring(100, ChannelChoice::MixDown, 1, u64::MAX);
        for b in 0..3 {
            writer.write(&ramp(b * 64, 64), |s| s);
        }
        let c = reader.counters().clone();
        assert_eq!(
            (c.arrived.load(Relaxed), c.dropped.load(Relaxed)),
            (192, 92)
        );
        assert_eq!(c.high_water.load(Relaxed), 100);
        let (audio, pieces) = read_all(&mut reader);
        assert_eq!(audio, ramp(0, 100));
        assert_eq!(
            pieces
                .iter()
                .map(|p| match *p {
                    Piece::Audio { start, .. } => (0, start),
                    Piece::Gap { start, len } => (len, start),
                })
                .collect::<Vec<_>>(),
            [(0, 0), (0, 64), (92, 100)]
        );
        assert_eq!(reader.position(), 192);
    }

    #[test]
    fn channels_are_mixed_or_picked_like_a_file() {
        let stereo = [1i16, 3, -2, 2];
        let to_f32 = |s: i16| s as f32;
        let (mut writer, mut reader) = ring(8, ChannelChoice::MixDown, 2, u64::MAX);
        writer.write(&stereo, to_f32);
        assert_eq!(read_all(&mut reader).0, [2.0, 0.0]);
        let (mut writer, mut reader) = ring(8, ChannelChoice::Only(1), 2, u64::MAX);
        writer.write(&stereo, to_f32);
        assert_eq!(read_all(&mut reader).0, [3.0, 2.0]);
    }

    #[test]
    fn the_stream_ends_at_its_limit() {
        let (mut writer, mut reader) = ring(100, ChannelChoice::MixDown, 1, 50);
        writer.write(&ramp(0, 40), |s| s);
        assert!(!reader.counters().ended.load(Relaxed));
        writer.write(&ramp(40, 40), |s| s);
        writer.write(&ramp(80, 40), |s| s);
        assert!(reader.counters().ended.load(Relaxed));
        assert_eq!(reader.counters().arrived.load(Relaxed), 50);
        assert_eq!(read_all(&mut reader).0, ramp(0, 50));
    }

    #[test]
    fn blocks_without_room_for_their_mark_are_dropped_whole() {
        let (mut writer, mut reader) = ring(1024, ChannelChoice::MixDown, 1, u64::MAX);
        let marks = 1024 / 64 + 16;
        for i in 0..100 {
            writer.write(&[i as f32], |s| s);
        }
        let (audio, pieces) = read_all(&mut reader);
        assert_eq!(audio, ramp(0, marks));
        assert_eq!(pieces.len() as u64, marks);
        writer.write(&[100.0], |s| s);
        let (audio, pieces) = read_all(&mut reader);
        assert_eq!(audio, [100.0]);
        assert_eq!(
            pieces[0],
            Piece::Gap {
                start: marks,
                len: 100 - marks
            }
        );
        assert!(matches!(pieces[1], Piece::Audio { start: 100, .. }));
        assert_eq!(reader.counters().dropped.load(Relaxed), 100 - marks);
    }

    #[test]
    fn a_slow_reader_sees_every_kept_sample_where_it_was_and_every_drop_counted() {
        let (mut writer, mut reader) = ring(500, ChannelChoice::MixDown, 1, u64::MAX);
        let total = 300_000u64;
        let feeder = std::thread::spawn(move || {
            for b in 0..total / 100 {
                writer.write(&ramp(b * 100, 100), |s| s);
                if b % 16 == 0 {
                    std::thread::yield_now();
                }
            }
        });
        let (mut buf, mut kept, mut gaps) = (Vec::new(), 0u64, 0u64);
        loop {
            buf.clear();
            // Asked before reading: once the feeder is gone, an empty read means the end.
            let fed = feeder.is_finished();
            match reader.next(&mut buf, 37) {
                Some(Piece::Audio { start, .. }) => {
                    assert_eq!(buf, ramp(start, buf.len() as u64));
                    kept += buf.len() as u64;
                }
                Some(Piece::Gap { len, .. }) => gaps += len,
                None if fed => break,
                None => std::thread::yield_now(),
            }
        }
        feeder.join().unwrap();
        let c = reader.counters();
        assert_eq!(kept + gaps, total);
        assert_eq!(gaps, c.dropped.load(Relaxed));
        assert_eq!(reader.position(), total);
    }
}
