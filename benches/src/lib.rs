//! stub
pub mod decide_data;
pub mod kyc_data;
