//! The input's own counts: lines, labels, and the lines no policy could decide.

use crate::failure::Failure;
use crate::report::InputSummary;
use crate::tally::FailureTally;
use crate::Label;

/// Counts over the lines read, whatever the policies made of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct InputTally {
    lines: u64,
    read: u64,
    labelled: u64,
    bad: u64,
    failures: FailureTally,
}

impl InputTally {
    pub(crate) fn read(&mut self, label: Label) {
        self.lines += 1;
        self.read += 1;
        match label {
            Label::Bad => {
                self.labelled += 1;
                self.bad += 1;
            }
            Label::Good => self.labelled += 1,
            Label::Unknown => {}
        }
    }

    pub(crate) fn unread(&mut self, line: u64, failure: &Failure) {
        self.lines += 1;
        self.failures.add(line, failure);
    }

    pub(crate) fn summary(&self) -> InputSummary {
        InputSummary {
            lines: self.lines,
            read: self.read,
            labelled: self.labelled,
            bad: self.bad,
            failures: self.failures.counts(),
        }
    }
}
