//! What the catalogue covers, as a table with its gaps visible: per group of mechanisms,
//! every call the scenario format supports, each argument, flag or state of the object
//! that changes what the call does, the classes of value each takes, and the catalogue
//! scenarios whose calls fall in each class. The state a call meets (a pipe empty or
//! full, a socket connected or its peer closed, a region mapped or protected) is read
//! from the reference models replaying the scenario's steps, not guessed from the file.
//!
//! `ipc-conformance coverage --write docs/coverage.md` writes the table; a test in the
//! `suite` binary fails when docs/coverage.md is not what it writes now.
//!
//! - `axes.rs`: the grid: calls, axes, classes, and which classes are not applicable or
//!   cannot be told from the models (each with why).
//! - `classify/`: which cells one call of a scenario fills, one file per group of calls.
//! - `table.rs`: the catalogue replayed on the models, the cells filled, the gaps counted,
//!   and the Markdown.

mod axes;
mod classify;
mod table;

pub use table::Coverage;

/// The command that regenerates docs/coverage.md, as the document and the test that
/// holds it current name it.
pub const REGENERATE: &str = "cargo run -- coverage --write docs/coverage.md";

use std::fmt;

use crate::scenario::Mechanism;

/// The mechanisms counted together: those whose calls mean the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// `pipe` and `fifo`.
    PipesAndFifos,
    /// Sockets that connect: `socketpair`, `unix-stream`, `unix-seqpacket`, `tcp`.
    ConnectionSockets,
    /// `unix-dgram` and `udp`.
    DatagramSockets,
    /// Memory several processes map: `anon-shared`, `sysv-shm`, `posix-shm`, `file-mmap`.
    SharedMemory,
    /// Objects that make processes wait for each other: `sysv-sem`, `posix-sem`.
    Semaphores,
}

impl Group {
    /// Every group, in the table's order.
    pub const ALL: [Group; 5] = [
        Group::PipesAndFifos,
        Group::ConnectionSockets,
        Group::DatagramSockets,
        Group::SharedMemory,
        Group::Semaphores,
    ];

    /// The group of `mechanism`.
    pub fn of(mechanism: Mechanism) -> Group {
        match mechanism {
            Mechanism::Pipe | Mechanism::Fifo => Group::PipesAndFifos,
            Mechanism::UnixDgram | Mechanism::Udp => Group::DatagramSockets,
            Mechanism::Socketpair
            | Mechanism::UnixStream
            | Mechanism::UnixSeqpacket
            | Mechanism::Tcp => Group::ConnectionSockets,
            Mechanism::AnonShared
            | Mechanism::SysvShm
            | Mechanism::PosixShm
            | Mechanism::FileMmap => Group::SharedMemory,
            Mechanism::SysvSem | Mechanism::PosixSem | Mechanism::PsharedMutex => Group::Semaphores,
        }
    }

    /// Its mechanisms, by name.
    pub fn mechanisms(self) -> Vec<&'static str> {
        Mechanism::ALL
            .into_iter()
            .filter(|m| Group::of(*m) == self)
            .map(Mechanism::name)
            .collect()
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Group::PipesAndFifos => "Pipes and FIFOs",
            Group::ConnectionSockets => "Connection sockets",
            Group::DatagramSockets => "Datagram sockets",
            Group::SharedMemory => "Shared memory",
            Group::Semaphores => "Semaphores and locks",
        })
    }
}
