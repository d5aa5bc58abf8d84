//! The implementation-under-test (IUT) traits, one per mechanism family, and the
//! operating system's own implementation of them.
//!
//! # Writing an adapter for your crate
//!
//! Describe your implementation once ([`Describe`]: `name`, `mechanisms`, and what it
//! declares), and implement the trait of your mechanism's family: [`ByteStream`]
//! (pipes, FIFOs), [`Socket`] (Unix, TCP and UDP sockets, socketpairs, message channels)
//! or [`SharedRegion`] (shared and mapped memory). Write the few methods without a body;
//! then whatever else your crate offers, declaring it in `capabilities`. Scenarios that
//! need a mechanism or a [`Capability`] you do not declare are skipped with that as the
//! reason, and the method behind it is never called.
//! A scenario your crate fails on purpose (documented behaviour that differs from POSIX)
//! goes in `deviations`: it is then reported as a declared deviation, never as a pass.
//!
//! The driver makes what processes inherit (a pipe, a socketpair, a mapping) before it
//! forks, and calls every other method in the forked actor processes, one thread each;
//! unrelated processes reach objects by name. Return the descriptor behind a handle from
//! `fd` when there is one: it makes the blocking verdict exact and lets the driver ask the
//! kernel about the object.
//!
//! A complete adapter for `std::io::pipe()`, run as `cargo test` in a test target with
//! `harness = false`:
//!
//! ```no_run
//! use std::io::{PipeReader, PipeWriter, Read, Write};
//! use std::os::fd::{AsFd, BorrowedFd};
//!
//! use ipc_conformance::mechanism::{
//!     ByteStream, Capability, Describe, Deviation, PipeEnd, Streams,
//! };
//! use ipc_conformance::scenario::{Errno, Mechanism, OpenFlag};
//!
//! struct StdPipe;
//!
//! impl Describe for StdPipe {
//!     fn name(&self) -> &str {
//!         "std::io::pipe"
//!     }
//!     fn mechanisms(&self) -> &[Mechanism] {
//!         &[Mechanism::Pipe]
//!     }
//!     fn capabilities(&self, _: Mechanism) -> &[Capability] {
//!         &[Capability::Descriptor, Capability::Duplicate]
//!     }
//!     fn deviations(&self) -> &[Deviation] {
//!         &[Deviation {
//!             scenario: "pipe::flags_clear",
//!             reason: "std makes every descriptor close-on-exec",
//!         }]
//!     }
//! }
//!
//! impl ByteStream for StdPipe {
//!     type End = PipeEnd<PipeReader, PipeWriter>;
//!
//!     fn pipe(&self, _flags: &[OpenFlag]) -> Result<(Self::End, Self::End), Errno> {
//!         let (r, w) = std::io::pipe()?;
//!         Ok((PipeEnd::Read(r), PipeEnd::Write(w)))
//!     }
//!     fn read(&self, end: &Self::End, buf: &mut [u8]) -> Result<usize, Errno> {
//!         Ok(end.reader()?.read(buf)?)
//!     }
//!     fn write(&self, end: &Self::End, buf: &[u8]) -> Result<usize, Errno> {
//!         Ok(end.writer()?.write(buf)?)
//!     }
//!     fn dup(&self, end: &Self::End) -> Result<Self::End, Errno> {
//!         Ok(match end {
//!             PipeEnd::Read(r) => PipeEnd::Read(r.try_clone()?),
//!             PipeEnd::Write(w) => PipeEnd::Write(w.try_clone()?),
//!         })
//!     }
//!     fn fd<'a>(&self, end: &'a Self::End) -> Option<BorrowedFd<'a>> {
//!         Some(end.as_fd())
//!     }
//! }
//!
//! fn main() {
//!     // One test per scenario of the built-in catalogue: `cargo test -- pipe::eof`,
//!     // `cargo nextest run` and `--test-threads=N` all work.
//!     ipc_conformance::harness::main(Streams(StdPipe));
//! }
//! ```
//!
//! `src/adapters/` holds adapters for real crates (std, os_pipe, interprocess, memmap2,
//! shared_memory, tokio, ipc-channel), and `docs/conformance.md` what they showed. The
//! long-form guide (every trait's required and optional methods, capabilities,
//! deviations against known failures, actors started by exec) is
//! `docs/writing-an-adapter.md`.

mod byte_stream;
mod capability;
mod describe;
mod implementation;
pub mod os;
mod shared_region;
mod socket;
mod synchronizer;

pub use byte_stream::{ByteStream, PipeEnd};
pub use capability::{
    action_capabilities, missing_capability, required_capabilities, ActorStart, Capability,
    Deviation, Unsupported,
};
pub use describe::Describe;
pub use implementation::{
    unknown_declarations, Implementation, Regions, Sockets, Streams, Synchronizers, Unimplemented,
};
pub use shared_region::{IpcKey, Protection, SharedRegion};
pub use socket::{Received, Socket, SocketAddress};
pub use synchronizer::Synchronizer;
