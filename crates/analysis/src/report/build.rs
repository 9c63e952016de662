//! From tallies to reports.
