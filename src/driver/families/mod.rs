//! The mechanism families the driver runs, one module each.

mod byte_stream;
mod region;
mod socket;
mod synchronizer;

pub(crate) use byte_stream::ByteStreamFamily;
pub(crate) use region::{padded, private_ipc_name, RegionFamily, SHM_PREFIX};
pub(crate) use socket::{read_socket_buffers, SocketFamily};
pub(crate) use synchronizer::SynchronizerFamily;
