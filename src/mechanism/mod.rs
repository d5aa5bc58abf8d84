//! The implementation-under-test (IUT) traits, one per mechanism family, and the
//! operating system's own implementation of them.

mod byte_stream;
mod implementation;
pub mod os;
mod shared_region;
mod socket;

pub use byte_stream::ByteStream;
pub use implementation::{Implementation, Regions, Sockets, Streams, Unimplemented};
pub use shared_region::{Protection, SharedRegion};
pub use socket::{Received, Socket, SocketAddress};
