//! What a call did: the outcome an actor answers, and what the driver saw, death included.

use std::net::SocketAddrV4;

use crate::scenario::{End, Errno, SignalName};

/// What an action did, as the actor saw it (death is seen by the driver instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Bytes read; empty means end of file.
    Bytes(Vec<u8>),
    /// A count: bytes written, a flag, a size.
    Count(u64),
    /// Success with nothing to return.
    Done,
    /// The call failed.
    Error(Errno),
    /// The implementation cannot do this (no descriptor to probe, no such mode).
    Unsupported(String),
    /// The process holds no such end (an `open` the scenario allowed to fail failed),
    /// so no call was made.
    NoSuchEnd(End),
    /// The process holds no such handle (an `accept` the scenario allowed to fail
    /// failed), so no call was made.
    NoSuchHandle(String),
    /// A message received: its bytes, whether it was cut short (`MSG_TRUNC`), and the
    /// sender's address name (empty: unnamed).
    Message {
        /// The bytes.
        data: Vec<u8>,
        /// Whether `MSG_TRUNC` came back.
        truncated: bool,
        /// The sender, by the scenario's name for its address; empty when unnamed.
        from: String,
    },
    /// A `bind` to an IPv4 address succeeded with this address and port, which the
    /// driver passes on to the other actors.
    Bound(SocketAddrV4),
}

/// What the driver saw an action do, all kinds together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observed {
    /// The actor answered.
    Outcome(Outcome),
    /// The actor's process was killed by a signal during the call.
    Killed(SignalName),
    /// The actor's process exited during the call.
    Exited(i32),
}
