//! The reference implementation: the operating system through its C library (nix).

mod byte_stream;
mod shared_region;

pub use byte_stream::OsByteStream;
pub use shared_region::{OsRegion, OsSharedRegion, SysvSegment};

use super::Implementation;

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
