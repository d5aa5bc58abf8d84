//! The shared-region family: memory that several processes map (anonymous shared
//! memory today; POSIX and System V shared memory and mapped files join it).

use std::os::fd::BorrowedFd;
use std::path::Path;
use std::ptr::NonNull;

use crate::scenario::{AccessMode, Errno, Mechanism, OpenFlag};

/// Memory protection of a mapping, as `mmap()` and `mprotect()` take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Protection {
    /// `PROT_READ`.
    pub read: bool,
    /// `PROT_WRITE`.
    pub write: bool,
}

/// A shared-region implementation under test: something that maps memory which stays
/// shared (or, asked for, private) across `fork()`.
///
/// The driver maps the region before it forks, for the processes that inherit it; every
/// other method runs inside the actor processes after the fork. Loads and stores go
/// through the address [`SharedRegion::bytes`] gives, as a program's own accesses would.
///
/// # References
/// - POSIX XSH `mmap()` (MAP_SHARED: stores are seen by every process that maps the
///   object; MAP_PRIVATE: stores stay in the process that made them), `mprotect()`,
///   `munmap()`, `fork()` (mappings are inherited).
pub trait SharedRegion {
    /// One mapping (or System V attachment), as the implementation represents it.
    type Region;
    /// A System V shared memory segment (its id: copies refer to the one segment).
    type Segment: Clone;
    /// An open POSIX shared memory object (its descriptor).
    type Object;

    /// A short name for reports.
    fn name(&self) -> &str;

    /// The mechanisms this implementation provides; scenarios of others are skipped.
    fn mechanisms(&self) -> &[Mechanism];

    /// Map `len` bytes of zeroed anonymous memory, read and write, MAP_SHARED when
    /// `shared` and MAP_PRIVATE otherwise.
    fn map_anonymous(&self, len: usize, shared: bool) -> Result<Self::Region, Errno>;

    /// The mapping's first byte and its length.
    fn bytes(&self, region: &Self::Region) -> (NonNull<u8>, usize);

    /// Change the mapping's protection.
    fn protect(&self, region: &Self::Region, protection: Protection) -> Result<(), Errno>;

    /// Unmap it.
    fn unmap(&self, region: Self::Region) -> Result<(), Errno>;

    /// `shmget(IPC_PRIVATE, len, IPC_CREAT | 0600)`: a new System V segment.
    fn shmget(&self, len: usize) -> Result<Self::Segment, Errno>;

    /// `shmat()` of a segment, read and write.
    fn shmat(&self, segment: &Self::Segment) -> Result<Self::Region, Errno>;

    /// `shmdt()` of an attachment.
    fn shmdt(&self, region: Self::Region) -> Result<(), Errno>;

    /// `shmctl(IPC_RMID)`: remove the segment's id now, its memory after the last detach.
    fn shmctl_rmid(&self, segment: &Self::Segment) -> Result<(), Errno>;

    /// `shm_open()` of `name` (`/` followed by at most 30 characters of our choosing).
    fn shm_open(
        &self,
        name: &str,
        mode: AccessMode,
        flags: &[OpenFlag],
    ) -> Result<Self::Object, Errno>;

    /// `shm_unlink()` of `name`.
    fn shm_unlink(&self, name: &str) -> Result<(), Errno>;

    /// `open()` of a regular file to map (mode 0600 when created).
    fn open_file(
        &self,
        path: &Path,
        mode: AccessMode,
        flags: &[OpenFlag],
    ) -> Result<Self::Object, Errno>;

    /// `pread()` into `buf` at offset `at` of an object; returns the bytes read.
    fn pread(&self, object: &Self::Object, at: u64, buf: &mut [u8]) -> Result<usize, Errno>;

    /// `pwrite()` of `data` at offset `at` of an object; returns the bytes written.
    fn pwrite(&self, object: &Self::Object, at: u64, data: &[u8]) -> Result<usize, Errno>;

    /// `msync(MS_SYNC)` of a mapping: its stores reach the object before it returns.
    fn msync(&self, region: &Self::Region) -> Result<(), Errno>;

    /// `ftruncate()` of an object: its size.
    fn ftruncate(&self, object: &Self::Object, len: u64) -> Result<(), Errno>;

    /// `fstat()` of an object: its size.
    fn fstat_size(&self, object: &Self::Object) -> Result<u64, Errno>;

    /// `mmap()` of `len` bytes of an object from offset 0, PROT_READ and, when
    /// `writable`, PROT_WRITE.
    fn mmap(
        &self,
        object: &Self::Object,
        len: usize,
        shared: bool,
        writable: bool,
    ) -> Result<Self::Region, Errno>;

    /// `close()` of an object's descriptor (its mappings stay).
    fn close(&self, object: Self::Object) -> Result<(), Errno>;

    /// The descriptor behind an object, for the leak check.
    fn object_fd<'a>(&self, object: &'a Self::Object) -> Option<BorrowedFd<'a>>;
}
