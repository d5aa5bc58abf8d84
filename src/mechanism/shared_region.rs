//! The shared-region family: memory that several processes map (anonymous shared
//! memory today; POSIX and System V shared memory and mapped files join it).

use std::os::fd::BorrowedFd;
use std::path::Path;
use std::ptr::NonNull;

use super::Describe;
use crate::scenario::{AccessMode, Errno, IpcFlag, OpenFlag};

/// A System V IPC key, as `shmget()` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpcKey(pub i32);

impl IpcKey {
    /// `IPC_PRIVATE` (0 on Linux and macOS): a new object no key reaches.
    pub const PRIVATE: IpcKey = IpcKey(0);
}

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
pub trait SharedRegion: Describe {
    /// One mapping (or System V attachment), as the implementation represents it.
    type Region;
    /// A System V shared memory segment (its id: copies refer to the one segment).
    type Segment: Clone;
    /// An open POSIX shared memory object (its descriptor).
    type Object;

    /// Map `len` bytes of zeroed anonymous memory, read and write, MAP_SHARED when
    /// `shared` and MAP_PRIVATE otherwise.
    fn map_anonymous(&self, _len: usize, _shared: bool) -> Result<Self::Region, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// The mapping's first byte and its length.
    fn bytes(&self, region: &Self::Region) -> (NonNull<u8>, usize);

    /// Change the mapping's protection.
    fn protect(&self, _region: &Self::Region, _protection: Protection) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// Unmap it.
    fn unmap(&self, _region: Self::Region) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `shmget(key, len, flags | 0600)`: the System V segment of `key`, made when
    /// `flags` hold `IPC_CREAT` and the key has none (always, for [`IpcKey::PRIVATE`]).
    /// `len` 0 asks for an existing segment of any size; the segment returned knows the
    /// size it has.
    fn shmget(
        &self,
        _key: IpcKey,
        _len: usize,
        _flags: &[IpcFlag],
    ) -> Result<Self::Segment, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `shmat()` of a segment, read and write.
    fn shmat(&self, _segment: &Self::Segment) -> Result<Self::Region, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `shmdt()` of an attachment.
    fn shmdt(&self, _region: Self::Region) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `shmctl(IPC_RMID)`: remove the segment's id now, its memory after the last detach.
    fn shmctl_rmid(&self, _segment: &Self::Segment) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `shm_open()` of `name` (`/` followed by at most 30 characters of our choosing).
    fn shm_open(
        &self,
        _name: &str,
        _mode: AccessMode,
        _flags: &[OpenFlag],
    ) -> Result<Self::Object, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `shm_unlink()` of `name`.
    fn shm_unlink(&self, _name: &str) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `open()` of a regular file to map (mode 0600 when created).
    fn open_file(
        &self,
        _path: &Path,
        _mode: AccessMode,
        _flags: &[OpenFlag],
    ) -> Result<Self::Object, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `pread()` into `buf` at offset `at` of an object; returns the bytes read.
    fn pread(&self, _object: &Self::Object, _at: u64, _buf: &mut [u8]) -> Result<usize, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `pwrite()` of `data` at offset `at` of an object; returns the bytes written.
    fn pwrite(&self, _object: &Self::Object, _at: u64, _data: &[u8]) -> Result<usize, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `msync(MS_SYNC)` of a mapping: its stores reach the object before it returns.
    fn msync(&self, _region: &Self::Region) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `ftruncate()` of an object: its size.
    fn ftruncate(&self, _object: &Self::Object, _len: u64) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `fstat()` of an object: its size.
    fn fstat_size(&self, _object: &Self::Object) -> Result<u64, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `mmap()` of `len` bytes of an object from offset 0, PROT_READ and, when
    /// `writable`, PROT_WRITE.
    fn mmap(
        &self,
        _object: &Self::Object,
        _len: usize,
        _shared: bool,
        _writable: bool,
    ) -> Result<Self::Region, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `close()` of an object's descriptor (its mappings stay).
    fn close(&self, object: Self::Object) -> Result<(), Errno> {
        drop(object);
        Ok(())
    }

    /// The descriptor behind an object, for the leak check.
    fn object_fd<'a>(&self, _object: &'a Self::Object) -> Option<BorrowedFd<'a>> {
        None
    }
}
