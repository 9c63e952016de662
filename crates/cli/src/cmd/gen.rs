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

/// Lines `from..to`, each followed by a newline, in pieces generated in parallel.
fn block(generator: &Generator, from: u64, to: u64) -> Vec<String> {
    let pieces = (to - from).div_ceil(PIECE_LINES);
    (0..pieces)
        .into_par_iter()
        .map(|p| {
            let start = from + p * PIECE_LINES;
            let end = (start + PIECE_LINES).min(to);
            let mut text = String::with_capacity(3200 * (end - start) as usize);
            for index in start..end {
                generator.write_line(index, &mut text);
                text.push('\n');
            }
            text
        })
        .collect()
}

/// Run the subcommand.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let name = args
        .output
        .as_ref()
        .map_or_else(|| "<stdout>".to_owned(), |p| p.display().to_string());
    let end = args.start.checked_add(args.count).ok_or_else(|| {
        CliError::bad_input("--start", "start + count is past the last index (2^64 - 1)")
    })?;
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
        let mut from = args.start;
        while from < end {
            let to = end.min(from + BLOCK_LINES);
            // A closed channel means the writer stopped on an error, which join reports.
            if send.send(block(&generator, from, to)).is_err() {
                break;
            }
            from = to;
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
