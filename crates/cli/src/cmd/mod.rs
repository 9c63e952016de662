//! One module per subcommand; each exposes `Args` (clap) and `run`.

pub mod batch;
pub mod check;
pub mod decide;
pub mod features;
pub mod gen;
pub mod kyc;
pub mod replay;
pub mod schema;
pub mod serve;
pub mod signals;
pub mod test;
