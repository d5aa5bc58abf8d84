//! What a reference model answers for a call: the outcome, or why it cannot say.

use crate::scenario::{Errno, SignalName};

/// What the model says a call does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelOutcome {
    /// The call waits until a later step releases it.
    Blocks,
    /// It returns these bytes (empty: end of file).
    Bytes(Vec<u8>),
    /// It returns a count or a value.
    Count(u64),
    /// It returns a count from the first to the second, both included: POSIX lets a
    /// send on a stream transfer part of its bytes when an error comes in the middle,
    /// and where the error comes is the kernel's (a reset that arrives between pieces).
    CountBetween(u64, u64),
    /// It succeeds with nothing to return.
    Done,
    /// It fails with this errno.
    Error(Errno),
    /// The process is killed by this signal.
    Killed(SignalName),
    /// A datagram received: its bytes, whether it was longer (MSG_TRUNC), and its
    /// sender's address name.
    Message {
        /// The bytes stored.
        data: Vec<u8>,
        /// Whether the datagram was cut to the buffer.
        truncated: bool,
        /// The sender, as the scenario names its address ("" when unnamed); `None` for a
        /// port the kernel picked when the sender sent unbound, which has no name.
        from: Option<String>,
    },
}

/// What a model answers for a call: the platform's outcome, or why it cannot say.
pub type Answer = Result<ModelOutcome, Unmodelled>;

/// Why the model cannot answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unmodelled {
    /// An action or setting the model does not cover.
    Action(String),
    /// The outcome depends on the kernel's scheduling.
    Schedule(String),
}
