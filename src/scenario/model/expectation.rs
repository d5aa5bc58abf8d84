//! What a step's actions must do.

#[cfg(doc)]
use super::Action;
use super::{MessageCheck, Payload};
use crate::platform::Size;
use crate::scenario::errno::{Errno, SignalName};

/// A per-platform choice of expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct PlatformExpectation {
    /// On Linux.
    pub linux: Option<Box<Expectation>>,
    /// On macOS.
    pub macos: Option<Box<Expectation>>,
}

impl PlatformExpectation {
    /// The expectation for one platform, if the scenario states one.
    pub fn for_platform(&self, platform: crate::platform::Platform) -> Option<&Expectation> {
        match platform {
            crate::platform::Platform::Linux => self.linux.as_deref(),
            crate::platform::Platform::Macos => self.macos.as_deref(),
        }
    }
}

/// How records written by several [`Action::WriteRecords`] must come out of the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordCheck {
    /// The record length every writer used.
    pub len: Size,
    /// How many writers wrote.
    pub writers: u32,
    /// How many records each wrote.
    pub count: u32,
    /// Whether every record must arrive unbroken (`len` ≤ PIPE_BUF) or may interleave.
    pub atomic: bool,
}

/// What an action must do.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Expectation {
    /// The call sleeps in the kernel until a later step releases it.
    Blocks,
    /// The call succeeds, whatever it returns.
    Succeeds,
    /// The call returns exactly this count (bytes read or written, or a value).
    Returns(Size),
    /// The call returns a count in this inclusive range.
    ReturnsBetween(Size, Size),
    /// The call returns a count of at least this much (where only a floor is promised).
    ReturnsAtLeast(Size),
    /// The call returns these bytes.
    Data(Payload),
    /// The read returns 0: end of file.
    Eof,
    /// The call fails with this errno.
    Error(Errno),
    /// The process is killed by this signal.
    Signal(SignalName),
    /// A `recv` returns this message (its bytes, truncation, sender).
    Message(MessageCheck),
    /// Records from several writers arrive as the check says.
    Records(RecordCheck),
    /// Any one of these outcomes is allowed.
    AnyOf(Vec<Expectation>),
    /// Each platform has its own expectation.
    Platform(PlatformExpectation),
}
