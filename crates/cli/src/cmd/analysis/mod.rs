//! What `backtest` and `compare` share: reading history (plain or gzip), deciding it in
//! parallel chunks in input order, and writing reports as text, JSON, CSV and HTML.

pub mod history;
pub mod outputs;
