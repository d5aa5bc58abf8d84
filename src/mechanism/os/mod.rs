//! The reference implementation: the operating system through its C library (nix).

mod byte_stream;
mod shared_region;

pub use byte_stream::OsByteStream;
pub use shared_region::{OsRegion, OsSharedRegion, SysvSegment};

use nix::fcntl::OFlag;

use super::Implementation;
use crate::scenario::{AccessMode, OpenFlag};

/// The `open()` flags of the scenario's flags.
fn oflags(flags: &[OpenFlag]) -> OFlag {
    flags.iter().fold(OFlag::empty(), |acc, f| {
        acc | match f {
            OpenFlag::NonBlock => OFlag::O_NONBLOCK,
            OpenFlag::CloExec => OFlag::O_CLOEXEC,
            OpenFlag::Creat => OFlag::O_CREAT,
            OpenFlag::Excl => OFlag::O_EXCL,
        }
    })
}

/// The `open()` access mode.
fn access_mode(mode: AccessMode) -> OFlag {
    match mode {
        AccessMode::ReadOnly => OFlag::O_RDONLY,
        AccessMode::WriteOnly => OFlag::O_WRONLY,
        AccessMode::ReadWrite => OFlag::O_RDWR,
    }
}

/// The operating system, every family: the default implementation under test.
#[derive(Clone, Copy, Debug, Default)]
pub struct Os;

impl Implementation for Os {
    type Streams = OsByteStream;
    type Regions = OsSharedRegion;

    fn name(&self) -> &str {
        "os"
    }

    fn byte_streams(&self) -> Option<&OsByteStream> {
        Some(&OsByteStream)
    }

    fn shared_regions(&self) -> Option<&OsSharedRegion> {
        Some(&OsSharedRegion)
    }
}
