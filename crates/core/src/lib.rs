//! # underwrite-core
//!
//! Turns a risk-signals API response into a credit decision.
//!
//! * [`catalog`]: every documented phone signal and the naming scheme it follows.
//! * [`features`]: the typed, dense feature vector that policies read.
#![deny(missing_docs)]

pub mod catalog;
pub mod features;
pub mod normalize;
pub mod policy;
pub mod signals;
