//! `underwrite gen --count N --seed S [--start I] [--malformed-share F] [-o FILE]`: synthetic
//! applications with outcomes, as JSON Lines, for backtests (see `docs/gen.md`).
//!
//! Lines are generated on all cores in blocks of [`BLOCK_LINES`] (each line depends only on the
//! seed and its index, so the threads need nothing from each other), and written in index
//! order by one writer thread while the next block is generated. `-o FILE` writes a file;
//! `FILE.gz` is gzip-compressed (`flate2`) on that writer thread. Memory holds at most two
//! blocks besides the one being generated.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;

use flate2::write::GzEncoder;
use flate2::Compression;
use rayon::prelude::*;
use underwrite_gen::{Generator, MalformedShare};

use crate::error::CliError;

/// Lines per block handed to the writer.
const BLOCK_LINES: u64 = 16_384;
/// Lines per piece: one thread's share of a block, written into one `String`.
const PIECE_LINES: u64 = 256;

/// Arguments of `underwrite gen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many applications to write.
    #[arg(long, value_name = "N")]
    pub count: u64,
    /// The seed: the same seed gives the same lines, byte for byte, on every machine.
    #[arg(long, value_name = "S")]
    pub seed: u64,
    /// The index of the first line (0-based), to generate a slice of a larger file: `--start
    /// 1000 --count 500` writes lines 1000 to 1499 of that seed.
    #[arg(long, value_name = "I", default_value_t = 0)]
    pub start: u64,
    /// The share of deliberately malformed lines, from 0 to 1.
    #[arg(long, value_name = "F", default_value = "0.003", value_parser = parse_share)]
    pub malformed_share: MalformedShare,
    /// Write to FILE instead of stdout; a name ending in `.gz` is gzip-compressed.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn parse_share(text: &str) -> Result<MalformedShare, String> {
    let share: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    MalformedShare::new(share).map_err(|e| e.to_string())
}

/// Where the lines go.
enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File(BufWriter<File>),
    Gzip(GzEncoder<BufWriter<File>>),
}

impl Sink {
    fn open(path: Option<&Path>) -> io::Result<Sink> {
        let Some(path) = path.filter(|p| p.as_os_str() != "-") else {
            return Ok(Sink::Stdout(BufWriter::with_capacity(
                1 << 20,
                io::stdout(),
            )));
        };
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        Ok(if path.extension().is_some_and(|e| e == "gz") {
            Sink::Gzip(GzEncoder::new(file, Compression::default()))
        } else {
            Sink::File(file)
        })
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Sink::Stdout(w) => w,
            Sink::File(w) => w,
            Sink::Gzip(w) => w,
        }
    }

    /// Flush everything, and write the gzip trailer.
    fn finish(self) -> io::Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush(),
            Sink::File(mut w) => w.flush(),
            Sink::Gzip(w) => w.finish()?.flush(),
        }
    }
}

/// Lines `from..=last`, each followed by a newline, in pieces generated in parallel. Inclusive,
/// so a range can end at the last index, `u64::MAX`; every sum below stays at most `last`.
fn block(generator: &Generator, from: u64, last: u64) -> Vec<String> {
    let pieces = (last - from) / PIECE_LINES + 1;
    (0..pieces)
        .into_par_iter()
        .map(|p| {
            let start = from + p * PIECE_LINES;
            let end = start.saturating_add(PIECE_LINES - 1).min(last);
            let mut text = String::with_capacity(3200 * (end - start + 1) as usize);
            for index in start..=end {
                generator.write_line(index, &mut text);
                text.push('\n');
            }
            text
        })
        .collect()
}

/// The blocks of lines `start..start + count`, in order, each as its first and last index; an
/// error when the last index would be past `u64::MAX`.
fn blocks(start: u64, count: u64) -> Result<impl Iterator<Item = (u64, u64)>, CliError> {
    let last = match count.checked_sub(1) {
        None => None,
        Some(more) => Some(start.checked_add(more).ok_or_else(|| {
            CliError::bad_input(
                "--start",
                format!(
                    "{count} lines from {start} go past the last index, {} (2^64 - 1)",
                    u64::MAX
                ),
            )
        })?),
    };
    let mut next = last.map(|last| (start, last));
    Ok(std::iter::from_fn(move || {
        let (from, last) = next?;
        let to = from.saturating_add(BLOCK_LINES - 1).min(last);
        next = to.checked_add(1).filter(|n| *n <= last).map(|n| (n, last));
        Some((from, to))
    }))
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let name = args
        .output
        .as_ref()
        .map_or_else(|| "<stdout>".to_owned(), |p| p.display().to_string());
    let blocks = blocks(args.start, args.count)?;
    let mut sink = Sink::open(args.output.as_deref())
        .map_err(|e| CliError::bad_input(&name, format!("cannot create: {e}")))?;
    let generator = Generator::new(args.seed).with_malformed_share(args.malformed_share);

    let (send, receive) = mpsc::sync_channel::<Vec<String>>(2);
    let written = std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> io::Result<()> {
            for pieces in receive {
                for piece in pieces {
                    sink.writer().write_all(piece.as_bytes())?;
                }
            }
            sink.finish()
        });
        for (from, last) in blocks {
            // A closed channel means the writer stopped on an error, which join reports.
            if send.send(block(&generator, from, last)).is_err() {
                break;
            }
        }
        drop(send);
        writer.join()
    });
    match written {
        Ok(Ok(())) => Ok(ExitCode::SUCCESS),
        Ok(Err(e)) if args.output.is_none() => Err(CliError::output(&e)),
        Ok(Err(e)) => Err(CliError::bad_input(&name, format!("cannot write: {e}"))),
        Err(_) => Err(CliError::with_status(
            crate::error::EXIT_INTERNAL,
            "the writer thread panicked",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(start: u64, count: u64) -> Vec<(u64, u64)> {
        blocks(start, count)
            .map(|blocks| blocks.collect())
            .unwrap_or_default()
    }

    #[test]
    fn blocks_cover_the_lines_once_up_to_the_last_index() {
        assert_eq!(all(0, 0), []);
        assert_eq!(all(u64::MAX, 0), []);
        assert_eq!(all(5, 1), [(5, 5)]);
        assert_eq!(
            all(10, 2 * BLOCK_LINES + 1),
            [
                (10, 9 + BLOCK_LINES),
                (10 + BLOCK_LINES, 9 + 2 * BLOCK_LINES),
                (10 + 2 * BLOCK_LINES, 10 + 2 * BLOCK_LINES)
            ]
        );
        let max = u64::MAX;
        assert_eq!(all(max, 1), [(max, max)]);
        assert_eq!(all(max - 1, 2), [(max - 1, max)]);
        assert_eq!(
            all(max - BLOCK_LINES, BLOCK_LINES + 1),
            [(max - BLOCK_LINES, max - 1), (max, max)]
        );
        assert!(blocks(max, 2).is_err());
        assert!(blocks(2, max).is_err());
        assert_eq!(blocks(1, max).unwrap().next(), Some((1, BLOCK_LINES)));
        let mut whole = blocks(0, max).unwrap();
        assert_eq!(whole.next(), Some((0, BLOCK_LINES - 1)));
    }
}
