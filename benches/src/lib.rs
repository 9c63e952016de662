//! stub
pub mod kyc_data;
