//! The shared-region family: memory that several processes map (anonymous shared
//! memory today; POSIX and System V shared memory and mapped files join it).

use std::ptr::NonNull;

use crate::scenario::{Errno, Mechanism};

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
}
