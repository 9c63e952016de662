//! The one reading pipeline for line-oriented work: read a chunk bounded by lines **and**
//! bytes → work on every line of it on all cores → hand each result on in input order.
//!
//! `batch`, `kyc --jsonl`, the history reader of `backtest` / `compare` and `replay` run on it.
//! What they read is a [`LineSource`]: [`crate::lines::JsonLines`] for any `BufRead`, and
//! [`crate::log_lines::LogLines`] for a decision log's segments.
//!
//! ```text
//! reader thread:  open ─► fill chunk 1 ─► fill chunk 2 ─► …        (at most limits.lines lines,
//!                             │ hand over     │                    and stops once limits.bytes
//! this thread:                ▼               ▼                    bytes are held)
//!                      each(&chunk 1) ─► each(&chunk 2) ─► …
//!                        └ Chunk::map_in_order: work on all cores (rayon), emit in order
//! ```
//!
//! **Memory is bounded by bytes.** A chunk takes lines until it holds [`ChunkLimits::lines`]
//! lines or its buffer holds [`ChunkLimits::bytes`] bytes (it always takes at least one line,
//! which the source bounds itself, e.g. by `--max-line-bytes`). The reader fills the next chunk
//! while this thread works on the current one, and waits to hand it over: at most two chunks
//! exist at once, their buffers reused.
//!
//! **Order and errors.** Chunks are handed over in input order, and [`Chunk::map_in_order`]
//! emits a chunk's results in its lines' order, each with its line's record, moved out of the
//! chunk (so a record may own what cannot be copied, such as an I/O error). A read error ends the input: the lines read
//! before it are worked on and emitted first, then [`run`] returns the error. An error `each`
//! returns stops the reader at its next hand-over and is returned.

use std::sync::mpsc::{channel, sync_channel};

use rayon::prelude::*;

/// How much one chunk holds at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLimits {
    /// Most lines in a chunk.
    pub lines: usize,
    /// Bytes of text after which a chunk takes no more lines.
    pub bytes: usize,
}

impl Default for ChunkLimits {
    /// 4,096 lines, 16 MiB: enough lines per chunk to keep every core busy, and a byte bound
    /// that keeps memory flat whatever the lines' size.
    fn default() -> Self {
        ChunkLimits {
            lines: 4096,
            bytes: 16 << 20,
        }
    }
}

/// Lines read together: their text in one buffer, and a record per line (its number, where its
/// text is in [`Chunk::buf`], or why it has none).
#[derive(Debug)]
pub struct Chunk<L> {
    buf: Vec<u8>,
    lines: Vec<L>,
}

impl<L> Default for Chunk<L> {
    fn default() -> Self {
        Chunk {
            buf: Vec::new(),
            lines: Vec::new(),
        }
    }
}

impl<L> Chunk<L> {
    /// The lines' text, as the source appended it.
    #[cfg(test)]
    pub fn buf(&self) -> &[u8] {
        &self.buf
    }

    /// The line records, in input order.
    #[cfg(test)]
    pub fn lines(&self) -> &[L] {
        &self.lines
    }

    /// Whether the chunk holds no line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Whether the chunk can take another line under `limits`.
    pub fn has_room(&self, limits: ChunkLimits) -> bool {
        self.lines.len() < limits.lines && self.buf.len() < limits.bytes
    }

    /// The text buffer, for a source to append a line's text to.
    pub fn buf_mut(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Add a line's record (its text appended to [`Chunk::buf_mut`] first, if it has any).
    pub fn push(&mut self, line: L) {
        self.lines.push(line);
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.lines.clear();
    }
}

impl<L: Sync> Chunk<L> {
    /// Run `work` on every line of the chunk on all cores (each call gets the line's record and
    /// the chunk's buffer, so its result may borrow from the buffer), then hand each result to
    /// `emit` in the lines' order, on this thread, with its line's record moved out of the
    /// chunk. Stops at the first error `emit` returns. The chunk holds no line record after.
    pub fn map_in_order<'c, T: Send, E>(
        &'c mut self,
        work: impl Fn(&L, &'c [u8]) -> T + Sync,
        mut emit: impl FnMut(L, T) -> Result<(), E>,
    ) -> Result<(), E> {
        let Chunk { buf, lines } = self;
        let buf: &'c [u8] = buf;
        let results: Vec<T> = lines.par_iter().map(|line| work(line, buf)).collect();
        for (line, result) in lines.drain(..).zip(results) {
            emit(line, result)?;
        }
        Ok(())
    }
}

/// A reader of lines into chunks.
pub trait LineSource {
    /// What the pipeline keeps of each line (its number, where its text is, or its failure).
    type Line: Send + Sync;
    /// Why a read failed.
    type Error;

    /// Append lines to `chunk` while [`Chunk::has_room`] under `limits` and the input lasts;
    /// appending none means the input has ended. On an error, the lines appended before it
    /// stay in the chunk.
    fn fill(
        &mut self,
        chunk: &mut Chunk<Self::Line>,
        limits: ChunkLimits,
    ) -> Result<(), Self::Error>;

    /// This source with its read errors turned into `E` (the caller's error, naming the
    /// input).
    fn map_err<E, F: FnMut(Self::Error) -> E>(self, f: F) -> MapErr<Self, F>
    where
        Self: Sized,
    {
        MapErr { source: self, f }
    }
}

/// A [`LineSource`] whose errors are mapped, from [`LineSource::map_err`].
pub struct MapErr<S, F> {
    source: S,
    f: F,
}

impl<S: LineSource, E, F: FnMut(S::Error) -> E> LineSource for MapErr<S, F> {
    type Line = S::Line;
    type Error = E;

    fn fill(&mut self, chunk: &mut Chunk<S::Line>, limits: ChunkLimits) -> Result<(), E> {
        self.source.fill(chunk, limits).map_err(&mut self.f)
    }
}

/// Open a source with `open` and read it into chunks on a reader thread of its own (so opening,
/// reading and decompressing overlap the work), handing each chunk, in input order, to `each`
/// on this thread; see the [module docs](self). Returns the first error: opening, reading
/// (after the lines read before it were handed over) or `each`'s.
pub fn run<S, E>(
    open: impl FnOnce() -> Result<S, E> + Send,
    limits: ChunkLimits,
    mut each: impl FnMut(&mut Chunk<S::Line>) -> Result<(), E>,
) -> Result<(), E>
where
    S: LineSource<Error = E>,
    E: Send,
{
    std::thread::scope(|scope| {
        // Rendezvous: the reader hands a chunk over only when this thread takes it, so one
        // chunk is worked on while at most one more is filled.
        let (full_tx, full_rx) = sync_channel::<(Chunk<S::Line>, Option<E>)>(0);
        let (empty_tx, empty_rx) = channel::<Chunk<S::Line>>();
        scope.spawn(move || {
            let mut source = match open() {
                Ok(source) => source,
                Err(e) => {
                    let _ = full_tx.send((Chunk::default(), Some(e)));
                    return;
                }
            };
            loop {
                let mut chunk = empty_rx.try_recv().unwrap_or_default();
                chunk.clear();
                let error = source.fill(&mut chunk, limits).err();
                let done = chunk.is_empty() || error.is_some();
                // A failed send means `each` stopped the run: stop reading.
                if full_tx.send((chunk, error)).is_err() || done {
                    return;
                }
            }
        });
        for (mut chunk, error) in full_rx {
            if !chunk.is_empty() {
                // Returning drops the receiver: the reader stops at its next hand-over.
                each(&mut chunk)?;
            }
            if let Some(e) = error {
                return Err(e);
            }
            let _ = empty_tx.send(chunk);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers `0..count`, each a line of `width` bytes; fails at `fail_at` if given.
    struct Numbers {
        next: usize,
        count: usize,
        width: usize,
        fail_at: Option<usize>,
    }

    impl LineSource for Numbers {
        type Line = usize;
        type Error = String;

        fn fill(&mut self, chunk: &mut Chunk<usize>, limits: ChunkLimits) -> Result<(), String> {
            while chunk.has_room(limits) && self.next < self.count {
                if self.fail_at == Some(self.next) {
                    return Err(format!("cannot read line {}", self.next));
                }
                chunk
                    .buf_mut()
                    .extend(std::iter::repeat_n(b'x', self.width));
                chunk.push(self.next);
                self.next += 1;
            }
            Ok(())
        }
    }

    fn numbers(count: usize, width: usize, fail_at: Option<usize>) -> Numbers {
        Numbers {
            next: 0,
            count,
            width,
            fail_at,
        }
    }

    /// What a run gave: every result in the order emitted, each chunk's lines and bytes, and
    /// how the run ended.
    type Collected = (Vec<usize>, Vec<(usize, usize)>, Result<(), String>);

    /// Every line's result, in the order emitted, and each chunk's size in lines and bytes.
    fn collect(source: Numbers, limits: ChunkLimits) -> Collected {
        let mut emitted = Vec::new();
        let mut chunks = Vec::new();
        let result = run(
            move || Ok(source),
            limits,
            |chunk: &mut Chunk<usize>| {
                chunks.push((chunk.lines().len(), chunk.buf().len()));
                chunk.map_in_order(
                    |n, _| {
                        // Uneven work, so that finishing order differs from input order.
                        if n % 7 == 0 {
                            std::thread::sleep(std::time::Duration::from_millis(1));
                        }
                        n * 10
                    },
                    |_, r| {
                        emitted.push(r);
                        Ok::<(), String>(())
                    },
                )
            },
        );
        (emitted, chunks, result)
    }

    #[test]
    fn results_come_in_input_order_and_chunks_are_bounded_by_lines_and_bytes() {
        let limits = ChunkLimits {
            lines: 10,
            bytes: 100,
        };
        let (emitted, chunks, result) = collect(numbers(95, 3, None), limits);
        assert_eq!(result, Ok(()));
        assert_eq!(emitted, (0..95).map(|n| n * 10).collect::<Vec<_>>());
        assert_eq!(chunks.len(), 10);
        assert!(chunks.iter().all(|&(lines, _)| lines <= 10), "{chunks:?}");

        // Wide lines: the byte bound stops a chunk first (it takes the line that passes it).
        let (emitted, chunks, _) = collect(numbers(20, 40, None), limits);
        assert_eq!(emitted.len(), 20);
        assert_eq!(chunks[0], (3, 120));
        assert!(
            chunks.iter().all(|&(_, bytes)| bytes < 100 + 40),
            "{chunks:?}"
        );
    }

    #[test]
    fn a_read_error_comes_after_the_lines_read_before_it() {
        let limits = ChunkLimits {
            lines: 4,
            bytes: 1000,
        };
        let (emitted, _, result) = collect(numbers(20, 1, Some(9)), limits);
        assert_eq!(emitted, (0..9).map(|n| n * 10).collect::<Vec<_>>());
        assert_eq!(result, Err("cannot read line 9".to_string()));
    }

    #[test]
    fn an_open_error_or_an_emit_error_stops_the_run() {
        let opened = run(
            || Err::<Numbers, String>("cannot open".into()),
            ChunkLimits::default(),
            |_| Ok(()),
        );
        assert_eq!(opened, Err("cannot open".to_string()));

        let mut seen = 0;
        let stopped = run(
            || Ok(numbers(1_000_000, 1, None)),
            ChunkLimits {
                lines: 10,
                bytes: 1000,
            },
            |chunk| {
                chunk.map_in_order(
                    |n, _| *n,
                    |_, n| {
                        seen += 1;
                        if n == 25 {
                            Err(format!("stop at {n}"))
                        } else {
                            Ok(())
                        }
                    },
                )
            },
        );
        assert_eq!(stopped, Err("stop at 25".to_string()));
        assert_eq!(seen, 26);
    }

    #[test]
    fn an_empty_input_runs_nothing() {
        let (emitted, chunks, result) = collect(numbers(0, 1, None), ChunkLimits::default());
        assert!(emitted.is_empty() && chunks.is_empty());
        assert_eq!(result, Ok(()));
    }
}
