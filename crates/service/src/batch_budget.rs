//! The memory batches may hold at once, across all requests: a byte budget every batch reserves
//! its share of before its body is read.
//!
//! A batch streams (`routes::batch`): it holds one chunk of input lines, the log lines and
//! answers of the part being decided, and a few pieces of answer the client has not read yet,
//! never its whole body. What one batch can hold is bounded by the limits, so each reserves
//! that much ([`BatchBudget::per_batch`]) from one semaphore of [`Limits::batch_memory_bytes`]
//! before its body is read, and a batch that finds no room waits (a client cannot raise the
//! total however many batches it sends). The reservation is in two parts: the work (input,
//! log lines, answers being made), released when the batch has been decided; and the answer
//! buffer, released when the answer's body is dropped (answered, or its connection gone), since
//! a client that stops reading keeps its unread answers in memory until then.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::batch_lines::ChunkLimits;
use crate::config::Limits;

/// Lines decided together: at most this many per chunk ...
pub const CHUNK_LINES: usize = 1024;
/// ... and about this many bytes of line text (a chunk takes lines while it holds less).
pub const CHUNK_BYTES: usize = 1 << 20;
/// A piece of answer handed to the connection: the answers of the lines decided since the last
/// piece, cut once they reach this many bytes (a part of a chunk is logged and answered as one).
pub const ANSWER_PIECE_BYTES: usize = 256 << 10;
/// Pieces of answer waiting for the connection, besides the one it is writing.
pub const ANSWER_PIECES: usize = 4;
/// What the connection itself may buffer of an answer (hyper's write buffer, about 400 KiB).
const CONNECTION_BYTES: usize = 512 << 10;

/// The chunk limits of every batch.
pub const CHUNK: ChunkLimits = ChunkLimits {
    lines: CHUNK_LINES,
    bytes: CHUNK_BYTES,
};

/// The budget's unit: permits are KiB (a semaphore counts at most `u32` permits at a time).
const UNIT: usize = 1024;

/// What one batch reserves, in bytes, with lines of at most `max_line_bytes`:
///
/// * work: 4 × (chunk bytes + one line): the chunk's text (its byte limit plus the line that
///   crossed it), the line being assembled from the body's pieces, the log lines of the part
///   being decided (a line's compact, masked payload is no longer than its text), and what
///   deciding one line builds while it runs;
/// * answers: the pieces waiting for the connection, the one being made and the one being
///   written, and the connection's own buffer.
pub fn per_batch(max_line_bytes: usize) -> (usize, usize) {
    let work = CHUNK_BYTES.saturating_add(max_line_bytes).saturating_mul(4);
    let answers = (ANSWER_PIECES + 2) * ANSWER_PIECE_BYTES + CONNECTION_BYTES;
    (work, answers)
}

// Written here, beside the arithmetic it states, so that `config` does not use this module.
impl Limits {
    /// What one batch reserves of `batch_memory_bytes` before its body is read:
    /// 4 × (1 MiB + `max_line_bytes`) + 2 MiB.
    /// [`Server::start`](crate::Server::start) refuses a budget smaller than this.
    pub fn batch_share_bytes(&self) -> usize {
        let (work, answers) = per_batch(self.max_line_bytes);
        work.saturating_add(answers)
    }
}

/// The budget batches share.
#[derive(Debug)]
pub struct BatchBudget {
    semaphore: Arc<Semaphore>,
    /// Units in all.
    total: u32,
    /// Units one batch's work reserves.
    work: u32,
    /// Units one batch's answer buffer reserves.
    answers: u32,
}

/// One batch's share of the budget.
#[derive(Debug)]
pub struct Reservation {
    /// For the work: drop it once the batch has been decided.
    pub work: OwnedSemaphorePermit,
    /// For the unread answers: drop it with the answer's body.
    pub answers: OwnedSemaphorePermit,
}

impl BatchBudget {
    /// The budget of `limits.batch_memory_bytes`. [`Server::start`](crate::Server::start)
    /// refuses a budget smaller than one batch's share; one given here anyway is raised to one
    /// share (batches then run one at a time), never below what a batch needs.
    pub fn new(limits: &Limits) -> BatchBudget {
        let units = |bytes: usize| u32::try_from(bytes.div_ceil(UNIT)).unwrap_or(u32::MAX);
        let (work, answers) = per_batch(limits.max_line_bytes);
        let (work, answers) = (units(work), units(answers));
        let share = work.saturating_add(answers);
        let total = units(limits.batch_memory_bytes).max(share);
        BatchBudget {
            semaphore: Arc::new(Semaphore::new(total as usize)),
            total,
            work,
            answers,
        }
    }

    /// How many batches fit at once.
    pub fn batches(&self) -> usize {
        let share = self.work as usize + self.answers as usize;
        (self.total as usize / share).max(1)
    }

    /// One batch's share, in bytes.
    pub fn share_bytes(&self) -> usize {
        (self.work as usize + self.answers as usize) * UNIT
    }

    /// Reserve one batch's share, waiting up to `wait` for room; `None` when there was none.
    pub async fn reserve(&self, wait: Duration) -> Option<Reservation> {
        let share = self.work.saturating_add(self.answers);
        let acquire = Arc::clone(&self.semaphore).acquire_many_owned(share);
        let mut permit = tokio::time::timeout(wait, acquire).await.ok()?.ok()?;
        let answers = permit.split(self.answers as usize)?;
        Some(Reservation {
            work: permit,
            answers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn batches_beyond_the_budget_wait_and_each_part_frees_its_share() {
        let limits = Limits {
            max_line_bytes: 1 << 20,
            batch_memory_bytes: 21 << 20,
            ..Limits::default()
        };
        // Per batch: 4 × 2 MiB of work and 6 × 256 KiB + 512 KiB of answers = 10 MiB.
        assert_eq!(per_batch(1 << 20), (8 << 20, 2 << 20));
        let budget = BatchBudget::new(&limits);
        assert_eq!(budget.batches(), 2);
        let wait = Duration::from_millis(50);
        let first = budget.reserve(wait).await.expect("room for one");
        let second = budget.reserve(wait).await.expect("room for two");
        assert!(budget.reserve(wait).await.is_none(), "no room for a third");
        // A batch decided but not yet read by its client keeps its answers' share only: not
        // enough for another batch.
        drop(first.work);
        assert!(budget.reserve(wait).await.is_none());
        drop(first.answers);
        let third = budget.reserve(wait).await.expect("room again");
        drop((second, third));
        assert_eq!(budget.share_bytes(), 10 << 20);
    }

    #[test]
    fn a_budget_below_one_share_still_runs_one_batch() {
        let limits = Limits {
            batch_memory_bytes: 1,
            ..Limits::default()
        };
        assert_eq!(BatchBudget::new(&limits).batches(), 1);
    }
}
