//! An implementation under test as a whole: which mechanism families it provides.

use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::Path;

use std::ptr::NonNull;

use super::{ByteStream, Protection, Received, SharedRegion, Socket, SocketAddress};
use crate::scenario::{
    AccessMode, Errno, Mechanism, MsgFlag, OpenFlag, ShutdownHow, SockOpt, SocketFlag, SocketKind,
};

/// An implementation under test: what it provides of each mechanism family. A family it
/// does not provide is `None`, and that family's scenarios are skipped with the reason.
///
/// One type usually implements one family; wrap it in [`Streams`], [`Regions`] or
/// [`Sockets`]. The
/// operating system ([`super::os::Os`]) provides them all.
pub trait Implementation {
    /// Its byte streams (pipes, FIFOs), or [`Unimplemented`].
    type Streams: ByteStream;
    /// Its shared regions, or [`Unimplemented`].
    type Regions: SharedRegion;
    /// Its sockets, or [`Unimplemented`].
    type Sockets: Socket;

    /// A short name for reports.
    fn name(&self) -> &str;

    /// Its byte streams, if it has them.
    fn byte_streams(&self) -> Option<&Self::Streams>;

    /// Its shared regions, if it has them.
    fn shared_regions(&self) -> Option<&Self::Regions>;

    /// Its sockets, if it has them.
    fn sockets(&self) -> Option<&Self::Sockets>;
}

/// A byte-stream implementation and nothing else.
#[derive(Clone, Copy, Debug)]
pub struct Streams<I>(pub I);

impl<I: ByteStream> Implementation for Streams<I> {
    type Streams = I;
    type Regions = Unimplemented;
    type Sockets = Unimplemented;

    fn name(&self) -> &str {
        self.0.name()
    }

    fn byte_streams(&self) -> Option<&I> {
        Some(&self.0)
    }

    fn shared_regions(&self) -> Option<&Unimplemented> {
        None
    }

    fn sockets(&self) -> Option<&Unimplemented> {
        None
    }
}

/// A shared-region implementation and nothing else.
#[derive(Clone, Copy, Debug)]
pub struct Regions<I>(pub I);

impl<I: SharedRegion> Implementation for Regions<I> {
    type Streams = Unimplemented;
    type Regions = I;
    type Sockets = Unimplemented;

    fn name(&self) -> &str {
        self.0.name()
    }

    fn byte_streams(&self) -> Option<&Unimplemented> {
        None
    }

    fn shared_regions(&self) -> Option<&I> {
        Some(&self.0)
    }

    fn sockets(&self) -> Option<&Unimplemented> {
        None
    }
}

/// A socket implementation and nothing else.
#[derive(Clone, Copy, Debug)]
pub struct Sockets<I>(pub I);

impl<I: Socket> Implementation for Sockets<I> {
    type Streams = Unimplemented;
    type Regions = Unimplemented;
    type Sockets = I;

    fn name(&self) -> &str {
        self.0.name()
    }

    fn byte_streams(&self) -> Option<&Unimplemented> {
        None
    }

    fn shared_regions(&self) -> Option<&Unimplemented> {
        None
    }

    fn sockets(&self) -> Option<&I> {
        Some(&self.0)
    }
}

/// A family an implementation does not provide. It has no values, so none of its
/// methods can ever be called.
#[derive(Clone, Copy, Debug)]
pub enum Unimplemented {}

impl ByteStream for Unimplemented {
    type End = Unimplemented;

    fn name(&self) -> &str {
        match *self {}
    }
    fn mechanisms(&self) -> &[Mechanism] {
        match *self {}
    }
    fn pipe(&self, _: &[OpenFlag]) -> Result<(Self, Self), Errno> {
        match *self {}
    }
    fn mkfifo(&self, _: &Path) -> Result<(), Errno> {
        match *self {}
    }
    fn open(&self, _: &Path, _: AccessMode, _: &[OpenFlag]) -> Result<Self, Errno> {
        match *self {}
    }
    fn read(&self, _: &Self, _: &mut [u8]) -> Result<usize, Errno> {
        match *self {}
    }
    fn write(&self, _: &Self, _: &[u8]) -> Result<usize, Errno> {
        match *self {}
    }
    fn set_nonblocking(&self, _: &Self, _: bool) -> Result<(), Errno> {
        match *self {}
    }
    fn close(&self, _: Self) -> Result<(), Errno> {
        match *self {}
    }
    fn dup(&self, _: &Self) -> Result<Self, Errno> {
        match *self {}
    }
    fn fd<'a>(&self, _: &'a Self) -> Option<BorrowedFd<'a>> {
        match *self {}
    }
}

impl SharedRegion for Unimplemented {
    type Region = Unimplemented;
    type Segment = Unimplemented;
    type Object = Unimplemented;

    fn name(&self) -> &str {
        match *self {}
    }
    fn mechanisms(&self) -> &[Mechanism] {
        match *self {}
    }
    fn map_anonymous(&self, _: usize, _: bool) -> Result<Self, Errno> {
        match *self {}
    }
    fn bytes(&self, _: &Self) -> (NonNull<u8>, usize) {
        match *self {}
    }
    fn protect(&self, _: &Self, _: Protection) -> Result<(), Errno> {
        match *self {}
    }
    fn unmap(&self, _: Self) -> Result<(), Errno> {
        match *self {}
    }
    fn shmget(&self, _: usize) -> Result<Self, Errno> {
        match *self {}
    }
    fn shmat(&self, _: &Self) -> Result<Self, Errno> {
        match *self {}
    }
    fn shmdt(&self, _: Self) -> Result<(), Errno> {
        match *self {}
    }
    fn shmctl_rmid(&self, _: &Self) -> Result<(), Errno> {
        match *self {}
    }
    fn shm_open(&self, _: &str, _: AccessMode, _: &[OpenFlag]) -> Result<Self, Errno> {
        match *self {}
    }
    fn shm_unlink(&self, _: &str) -> Result<(), Errno> {
        match *self {}
    }
    fn open_file(&self, _: &Path, _: AccessMode, _: &[OpenFlag]) -> Result<Self, Errno> {
        match *self {}
    }
    fn pread(&self, _: &Self, _: u64, _: &mut [u8]) -> Result<usize, Errno> {
        match *self {}
    }
    fn pwrite(&self, _: &Self, _: u64, _: &[u8]) -> Result<usize, Errno> {
        match *self {}
    }
    fn msync(&self, _: &Self) -> Result<(), Errno> {
        match *self {}
    }
    fn ftruncate(&self, _: &Self, _: u64) -> Result<(), Errno> {
        match *self {}
    }
    fn fstat_size(&self, _: &Self) -> Result<u64, Errno> {
        match *self {}
    }
    fn mmap(&self, _: &Self, _: usize, _: bool, _: bool) -> Result<Self, Errno> {
        match *self {}
    }
    fn close(&self, _: Self) -> Result<(), Errno> {
        match *self {}
    }
    fn object_fd<'a>(&self, _: &'a Self) -> Option<BorrowedFd<'a>> {
        match *self {}
    }
}

impl Socket for Unimplemented {
    type Handle = Unimplemented;

    fn name(&self) -> &str {
        match *self {}
    }
    fn mechanisms(&self) -> &[Mechanism] {
        match *self {}
    }
    fn socket(&self, _: SocketKind, _: &[SocketFlag]) -> Result<Self, Errno> {
        match *self {}
    }
    fn socketpair(&self, _: SocketKind) -> Result<(Self, Self), Errno> {
        match *self {}
    }
    fn bind(&self, _: &Self, _: &SocketAddress) -> Result<(), Errno> {
        match *self {}
    }
    fn local_address(&self, _: &Self) -> Result<SocketAddress, Errno> {
        match *self {}
    }
    fn listen(&self, _: &Self, _: u32) -> Result<(), Errno> {
        match *self {}
    }
    fn accept(&self, _: &Self, _: &[SocketFlag]) -> Result<Self, Errno> {
        match *self {}
    }
    fn connect(&self, _: &Self, _: &SocketAddress) -> Result<(), Errno> {
        match *self {}
    }
    fn send(
        &self,
        _: &Self,
        _: &[u8],
        _: Option<&SocketAddress>,
        _: &[MsgFlag],
    ) -> Result<usize, Errno> {
        match *self {}
    }
    fn recv(&self, _: &Self, _: &mut [u8], _: &[MsgFlag]) -> Result<Received, Errno> {
        match *self {}
    }
    fn shutdown(&self, _: &Self, _: ShutdownHow) -> Result<(), Errno> {
        match *self {}
    }
    fn send_fd(&self, _: &Self, _: BorrowedFd<'_>) -> Result<(), Errno> {
        match *self {}
    }
    fn recv_fd(&self, _: &Self) -> Result<OwnedFd, Errno> {
        match *self {}
    }
    fn set_option(&self, _: &Self, _: SockOpt, _: u64) -> Result<(), Errno> {
        match *self {}
    }
    fn get_option(&self, _: &Self, _: SockOpt) -> Result<u64, Errno> {
        match *self {}
    }
    fn set_nonblocking(&self, _: &Self, _: bool) -> Result<(), Errno> {
        match *self {}
    }
    fn close(&self, _: Self) -> Result<(), Errno> {
        match *self {}
    }
    fn fd<'a>(&self, _: &'a Self) -> Option<BorrowedFd<'a>> {
        match *self {}
    }
}
