//! The chunker: collects the audio of one or more streams, in blocks of any size, and hands it
//! on in the fixed chunks a model takes, `[streams, chunk]`, every row as full as the others.

/// Fixed-size chunks out of streams of blocks, in memory bounded by one chunk.
pub struct Chunker {
    chunk_samples: usize,
    /// `[streams, chunk_samples]`: the chunk being filled, `filled` samples in every row.
    chunk: Vec<f32>,
    filled: usize,
}

impl Chunker {
    /// A chunker for `streams` streams in chunks of `chunk_samples` samples.
    pub fn new(streams: usize, chunk_samples: usize) -> Self {
        let chunk_samples = chunk_samples.max(1);
        Self {
            chunk_samples,
            chunk: vec![0.0; streams.max(1) * chunk_samples],
            filled: 0,
        }
    }

    /// Samples per stream waiting for their chunk to fill.
    pub fn pending(&self) -> usize {
        self.filled
    }

    /// Takes one block per stream, all of the same length (the caller checks); calls `run` on
    /// every chunk they complete, in order.
    pub fn push<B: AsRef<[f32]>, E>(
        &mut self,
        blocks: &[B],
        mut run: impl FnMut(&[f32]) -> Result<(), E>,
    ) -> Result<(), E> {
        let len = blocks.first().map_or(0, |b| b.as_ref().len());
        let chunk = self.chunk_samples;
        let mut done = 0;
        while done < len {
            let take = (chunk - self.filled).min(len - done);
            for (row, block) in self.chunk.chunks_mut(chunk).zip(blocks) {
                row[self.filled..self.filled + take]
                    .copy_from_slice(&block.as_ref()[done..done + take]);
            }
            (self.filled, done) = (self.filled + take, done + take);
            if self.filled == chunk {
                self.filled = 0;
                run(&self.chunk)?;
            }
        }
        Ok(())
    }

    /// Pads what is pending with silence to one last chunk and runs it; returns how many real
    /// samples per stream it held (0: nothing was pending and nothing ran).
    pub fn finish<E>(&mut self, run: impl FnOnce(&[f32]) -> Result<(), E>) -> Result<usize, E> {
        let real = std::mem::take(&mut self.filled);
        if real == 0 {
            return Ok(0);
        }
        for row in self.chunk.chunks_mut(self.chunk_samples) {
            row[real..].fill(0.0);
        }
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
            let mut chunker = Chunker::new(1, 64);
            let mut out = Vec::new();
            for b in audio.chunks(block) {
                chunker
                    .push(&[b], |c| {
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

    #[test]
    fn every_stream_keeps_its_own_row() {
        let a: Vec<f32> = (0..10).map(|i| i as f32).collect();
        let b: Vec<f32> = a.iter().map(|v| -v).collect();
        let mut chunker = Chunker::new(2, 4);
        let mut chunks = Vec::new();
        for (x, y) in a.chunks(3).zip(b.chunks(3)) {
            chunker
                .push(&[x, y], |c| {
                    chunks.push(c.to_vec());
                    Ok::<_, ()>(())
                })
                .unwrap();
        }
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[1], [4.0, 5.0, 6.0, 7.0, -4.0, -5.0, -6.0, -7.0]);
        let real = chunker
            .finish(|c| {
                chunks.push(c.to_vec());
                Ok::<_, ()>(())
            })
            .unwrap();
        assert_eq!(real, 2);
        assert_eq!(chunks[2], [8.0, 9.0, 0.0, 0.0, -8.0, -9.0, 0.0, 0.0]);
    }
}
