//! Addresses of Unix sockets as std's `SocketAddr`, which std and mio both take: a path,
//! or (on Linux) an abstract name; and what their receives report.

use std::os::unix::net::SocketAddr as UnixAddr;

use crate::mechanism::{Received, SocketAddress};
use crate::scenario::Errno;

/// The std address of `address`; an IPv4 one is of another family.
pub(super) fn unix_address(address: &SocketAddress) -> Result<UnixAddr, Errno> {
    match address {
        SocketAddress::Path(path) => Ok(UnixAddr::from_pathname(path)?),
        SocketAddress::Abstract(name) => abstract_address(name),
        SocketAddress::Inet(_) => Err(Errno(libc::EAFNOSUPPORT)),
    }
}

#[cfg(target_os = "linux")]
fn abstract_address(name: &[u8]) -> Result<UnixAddr, Errno> {
    use std::os::linux::net::SocketAddrExt;
    Ok(UnixAddr::from_abstract_name(name)?)
}

/// Abstract names are Linux's; the platform profile skips their scenarios elsewhere.
#[cfg(not(target_os = "linux"))]
fn abstract_address(_name: &[u8]) -> Result<UnixAddr, Errno> {
    Err(Errno(libc::EAFNOSUPPORT))
}

#[cfg(target_os = "linux")]
fn abstract_name(address: &UnixAddr) -> Option<SocketAddress> {
    use std::os::linux::net::SocketAddrExt;
    address
        .as_abstract_name()
        .map(|name| SocketAddress::Abstract(name.to_vec()))
}

#[cfg(not(target_os = "linux"))]
fn abstract_name(_address: &UnixAddr) -> Option<SocketAddress> {
    None
}

/// A unix address as the driver names it: `None` for an unnamed socket.
pub(super) fn reported(address: &UnixAddr) -> Option<SocketAddress> {
    match address.as_pathname() {
        Some(path) => Some(SocketAddress::Path(path.to_path_buf())),
        None => abstract_name(address),
    }
}

/// A received message, from `from`: neither std nor mio reports `MSG_TRUNC`.
pub(super) fn received(len: usize, from: Option<SocketAddress>) -> Received {
    Received {
        len,
        truncated: false,
        from,
    }
}
