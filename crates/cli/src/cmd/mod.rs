//! One module per subcommand; each exposes `Args` (clap) and `run`.

pub mod analysis;
pub mod backtest;
pub mod batch;
pub mod check;
pub mod compare;
pub mod decide;
pub mod features;
pub mod gen;
pub mod kyc;
pub mod replay;
pub mod schema;
pub mod serve;
pub mod signals;
pub mod test;
