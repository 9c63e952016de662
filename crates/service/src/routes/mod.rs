//! The route handlers, one module per resource.

pub mod admin;
pub mod applications;
pub mod batch;
pub mod decisions;
pub mod health;
pub mod kyc;
pub mod policy;
pub mod query;
pub mod respond;
