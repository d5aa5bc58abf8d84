//! The judge, shared by the driver and the models: what an expectation means on a
//! platform, the bytes a payload stands for, and whether an observed outcome meets an
//! expectation, with both in words for reports.
//!
//! The driver judges what actors did with it; the models' cross-check judges their
//! answers with the same rules, so the two can never disagree on what an expectation
//! says. It imports only `platform` and `scenario`.

mod cause;
mod describe;
mod meets;
mod outcome;
mod payload;

pub use cause::{Cause, Check};
pub use describe::{describe_expectation, describe_observed};
pub use meets::{expected_floor, expected_len, meets, short_stream_peek};
pub use outcome::{Observed, Outcome};
pub use payload::{payload_bytes, record, records_may_split};
