//! The chunker: collects audio of any block size in a ring buffer and hands it on in the fixed
//! chunks a model takes.

use ringbuf::HeapRb;
use ringbuf::traits::Observer;

/// Fixed-size chunks out of a stream of blocks, in memory bounded by one chunk.
pub struct Chunker {
    ring: HeapRb<f32>,
    chunk: Vec<f32>,
}

impl Chunker {
    /// A chunker for chunks of `chunk_samples` samples.
    pub fn new(chunk_samples: usize) -> Self {
        Self {
            ring: HeapRb::new(chunk_samples.max(1)),
            chunk: vec![0.0; chunk_samples.max(1)],
        }
    }

    /// Samples waiting for their chunk to fill.
    pub fn pending(&self) -> usize {
        self.ring.occupied_len()
    }

    /// Takes `samples`; calls `run` on every chunk they complete, in order.
    pub fn push<E>(
        &mut self,
        mut samples: &[f32],
        mut run: impl FnMut(&[f32]) -> Result<(), E>,
    ) -> Result<(), E> {
        while !samples.is_empty() {
            let taken = self.ring.push_slice(samples);
            samples = &samples[taken..];
            if self.ring.is_full() {
                self.ring.pop_slice(&mut self.chunk);
                run(&self.chunk)?;
            }
        }
        Ok(())
    }

    /// Pads what is pending with silence to one last chunk and runs it; returns how many real
    /// samples it held (0: nothing was pending and nothing ran).
    pub fn finish<E>(&mut self, run: impl FnOnce(&[f32]) -> Result<(), E>) -> Result<usize, E> {
        let real = self.ring.pop_slice(&mut self.chunk);
        if real == 0 {
            return Ok(0);
        }
        self.chunk[real..].fill(0.0);
        run(&self.chunk)?;
        Ok(real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_any_size_come_out_as_the_same_chunks() {
        let audio: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        for block in [1, 7, 64, 100, 999, 1000] {
            let mut chunker = Chunker::new(64);
            let mut out = Vec::new();
            for b in audio.chunks(block) {
                chunker
                    .push(b, |c| {
                        out.extend_from_slice(c);
                        Ok::<_, ()>(())
                    })
                    .unwrap();
            }
            assert_eq!(chunker.pending(), 1000 % 64);
            let real = chunker
                .finish(|c| {
                    out.extend_from_slice(c);
                    Ok::<_, ()>(())
                })
                .unwrap();
            assert_eq!(real, 1000 % 64);
            assert_eq!(out.len(), 1000usize.div_ceil(64) * 64);
            assert_eq!(&out[..1000], &audio[..], "block size {block}");
            assert!(out[1000..].iter().all(|&v| v == 0.0));
        }
    }
}
