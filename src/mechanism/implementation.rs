//! An implementation under test as a whole: which mechanism families it provides.

use std::os::fd::BorrowedFd;
use std::path::Path;

use std::ptr::NonNull;

use super::{ByteStream, Protection, SharedRegion};
use crate::scenario::{AccessMode, Errno, Mechanism, OpenFlag};

/// An implementation under test: what it provides of each mechanism family. A family it
/// does not provide is `None`, and that family's scenarios are skipped with the reason.
///
/// One type usually implements one family; wrap it in [`Streams`] or [`Regions`]. The
/// operating system ([`super::os::Os`]) provides them all.
pub trait Implementation {
    /// Its byte streams (pipes, FIFOs), or [`Unimplemented`].
    type Streams: ByteStream;
    /// Its shared regions, or [`Unimplemented`].
    type Regions: SharedRegion;

    /// A short name for reports.
    fn name(&self) -> &str;

    /// Its byte streams, if it has them.
    fn byte_streams(&self) -> Option<&Self::Streams>;

    /// Its shared regions, if it has them.
    fn shared_regions(&self) -> Option<&Self::Regions>;
}

/// A byte-stream implementation and nothing else.
#[derive(Clone, Copy, Debug)]
pub struct Streams<I>(pub I);

impl<I: ByteStream> Implementation for Streams<I> {
    type Streams = I;
    type Regions = Unimplemented;

    fn name(&self) -> &str {
        self.0.name()
    }

    fn byte_streams(&self) -> Option<&I> {
        Some(&self.0)
    }

    fn shared_regions(&self) -> Option<&Unimplemented> {
        None
    }
}

/// A shared-region implementation and nothing else.
#[derive(Clone, Copy, Debug)]
pub struct Regions<I>(pub I);

impl<I: SharedRegion> Implementation for Regions<I> {
    type Streams = Unimplemented;
    type Regions = I;

    fn name(&self) -> &str {
        self.0.name()
    }

    fn byte_streams(&self) -> Option<&Unimplemented> {
        None
    }

    fn shared_regions(&self) -> Option<&I> {
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
