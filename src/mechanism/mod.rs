//! The implementation-under-test (IUT) traits, one per mechanism family, and the
//! operating system's own implementation of them.

mod byte_stream;
mod capability;
mod implementation;
pub mod os;
mod shared_region;
mod socket;

pub use byte_stream::{ByteStream, PipeEnd};
pub use capability::{missing_capability, required_capabilities, Capability, Deviation};
pub use implementation::{Implementation, Regions, Sockets, Streams, Unimplemented};
pub use shared_region::{Protection, SharedRegion};
pub use socket::{Received, Socket, SocketAddress};
