//! The reference model of shared regions: anonymous memory mapped before the fork, a
//! System V segment, a POSIX shared memory object and a mapped file. It keeps every
//! memory object's bytes and size, the names that lead to them, the segment's removal,
//! and per process its mapping (MAP_SHARED or a private copy, with its protection) and
//! its object descriptor. Stores through a MAP_SHARED mapping are the object's, so every
//! mapping of it shows them at once; a private mapping keeps its stores to itself.
//!
//! A load from a page with no read right, or a store to one with no write right, kills
//! the process with SIGSEGV; a touch of a whole page past the object's end kills it with
//! SIGBUS, the rights for the first touch being checked first (the kernel looks at the
//! mapping before it looks for the page; a fetch-and-add loads before it stores). The model says "outside" rather than guess where POSIX leaves
//! the outcome open: a load through a write-only mapping, a private page after the
//! object changed, bytes stored past the end in the last page, a store that faults
//! partway, and what the profile does not describe.
//!
//! # References
//! - POSIX XSH `mmap()`, `munmap()`, `mprotect()`, `msync()`, `fork()` (mappings are
//!   inherited), `_exit()` (they go with the process).
//! - POSIX XSH `shm_open()`, `shm_unlink()`, `open()`, `unlink()`, `ftruncate()`,
//!   `fstat()`, `pread()`, `pwrite()`.
//! - POSIX XSH `shmget()`, `shmat()`, `shmdt()`, `shmctl()` (IPC_RMID).

mod access;
mod apply;
mod attach;
mod descriptor;
mod mapping;
mod meets;
mod object;
mod state;
#[cfg(test)]
mod tests;

pub use state::RegionModel;
