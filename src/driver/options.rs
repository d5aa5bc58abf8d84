//! The vocabulary every phase of a run shares: how a run is set ([`RunOptions`]), how
//! blocking is decided ([`BlockingOracle`]), and the size of the event log.

use std::time::Duration;

use super::families::read_socket_buffers;
use super::family::BufferReading;
use super::probe::{get_pipe_size, in_child};
use crate::mechanism::{ActorStart, ByteStream, Capability, Describe, Implementation};
use crate::platform::PlatformProfile;
use crate::scenario::Mechanism;

/// How many records the event log of one run holds; an actor started by exec maps the
/// log again with the same number.
pub(super) const LOG_SLOTS: usize = 1024;

/// How the driver decides that a call blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockingOracle {
    /// From the kernel's view of the thread (the default).
    Kernel,
    /// "Blocked" once the call has not returned after this long: what sleep-based
    /// suites do. Kept for comparison; slower and weaker.
    Timeout(Duration),
}

/// Settings of a run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The platform profile sizes and features come from.
    pub profile: &'static PlatformProfile,
    /// How blocking is decided.
    pub oracle: BlockingOracle,
}

impl RunOptions {
    /// These options for `iut`: the profile as the implementation declares its pipes
    /// differ from the platform's default. A run reads its own object's capacity at
    /// set-up, so nothing is probed here, on every scenario's path.
    pub fn for_implementation<I: Implementation>(&self, iut: &I) -> RunOptions {
        let capacity = iut.byte_streams().and_then(ByteStream::pipe_capacity);
        self.with_pipe_capacity(capacity)
    }

    /// These options for plans of `mechanism` made before any object exists (the
    /// fuzzers'): the capacity read from a pipe `iut` makes where the platform can tell
    /// (`F_GETPIPE_SZ`, see [`probed_pipe_capacity`]), else as it declares it; for a
    /// socket mechanism, the buffers read back from a socket of its kind `iut` makes
    /// (see [`read_socket_buffers`]), where it can be read.
    pub fn for_plans<I: Implementation>(&self, iut: &I, mechanism: Mechanism) -> RunOptions {
        let capacity = iut
            .byte_streams()
            .and_then(|b| probed_pipe_capacity(b).or_else(|| b.pipe_capacity()));
        let opts = self.with_pipe_capacity(capacity);
        let buffers = iut
            .sockets()
            .filter(|s| s.mechanisms().contains(&mechanism))
            .zip(mechanism.socket_kind())
            .and_then(|(s, kind)| read_socket_buffers(s, kind, &[]).ok());
        match buffers {
            Some(BufferReading { read, default }) => RunOptions {
                profile: opts.profile.with_socket_buffers(read, read == default),
                ..opts
            },
            None => opts,
        }
    }

    fn with_pipe_capacity(&self, capacity: Option<u64>) -> RunOptions {
        RunOptions {
            profile: self.profile.with_pipe_capacity(capacity),
            ..self.clone()
        }
    }
}

/// The capacity of a pipe `iut` makes, read with `F_GETPIPE_SZ` from a pipe made for
/// the purpose in a child of its own ([`in_child`]); `None` where it cannot be read (no
/// pipes, no descriptors, actors started by exec, a platform without the call).
fn probed_pipe_capacity<B: ByteStream>(iut: &B) -> Option<u64> {
    let readable = iut.mechanisms().contains(&Mechanism::Pipe)
        && iut
            .capabilities(Mechanism::Pipe)
            .contains(&Capability::Descriptor)
        && iut.actor_start() == ActorStart::Fork;
    if !readable {
        return None;
    }
    in_child(|| {
        let (_read, write) = iut.pipe(&[]).ok()?;
        iut.fd(&write).and_then(|fd| get_pipe_size(fd).ok())
    })
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            profile: PlatformProfile::host(),
            oracle: BlockingOracle::Kernel,
        }
    }
}
