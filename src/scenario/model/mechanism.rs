//! The mechanisms a scenario may exercise and the families they fall into.

use std::fmt;

/// The IPC kind a scenario exercises.
///
/// Only the mechanisms with a reference implementation are listed (sockets are not yet);
/// the file format rejects any other name, so that a typo is never mistaken for a skip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mechanism {
    /// An anonymous pipe made by `pipe()` (or `pipe2()`) before the actors fork.
    Pipe,
    /// A named pipe made by `mkfifo()` in the run's private directory.
    Fifo,
    /// Memory mapped MAP_SHARED | MAP_ANONYMOUS before the fork and inherited.
    AnonShared,
    /// A System V shared memory segment (`shmget`), attached before the fork.
    SysvShm,
    /// A POSIX shared memory object (`shm_open`) with a name private to the run.
    PosixShm,
    /// A regular file in the run's private directory, mapped with `mmap`.
    FileMmap,
}

/// The mechanism families: mechanisms of one family share the actions that apply to
/// them and the implementation-under-test trait that provides them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MechanismFamily {
    /// Pipes and FIFOs: read and write ends.
    ByteStream,
    /// Memory that several processes map: loads and stores.
    SharedRegion,
}

impl fmt::Display for MechanismFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MechanismFamily::ByteStream => "byte streams",
            MechanismFamily::SharedRegion => "shared regions",
        })
    }
}

impl Mechanism {
    /// Every mechanism, in catalogue order.
    pub const ALL: [Mechanism; 6] = [
        Mechanism::Pipe,
        Mechanism::Fifo,
        Mechanism::AnonShared,
        Mechanism::SysvShm,
        Mechanism::PosixShm,
        Mechanism::FileMmap,
    ];

    /// The name used in scenario files and test names.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Pipe => "pipe",
            Mechanism::Fifo => "fifo",
            Mechanism::AnonShared => "anon-shared",
            Mechanism::SysvShm => "sysv-shm",
            Mechanism::PosixShm => "posix-shm",
            Mechanism::FileMmap => "file-mmap",
        }
    }

    /// Whether processes reach the region through an object descriptor they open (a POSIX
    /// shared memory object, a file).
    pub fn has_object(self) -> bool {
        matches!(self, Mechanism::PosixShm | Mechanism::FileMmap)
    }

    /// Whether related processes inherit a region mapped before the fork (a POSIX shared
    /// memory object is only opened and mapped by the processes themselves).
    pub fn inherits_region(self) -> bool {
        matches!(self, Mechanism::AnonShared | Mechanism::SysvShm)
    }

    /// The family it belongs to.
    pub fn family(self) -> MechanismFamily {
        match self {
            Mechanism::Pipe | Mechanism::Fifo => MechanismFamily::ByteStream,
            Mechanism::AnonShared
            | Mechanism::SysvShm
            | Mechanism::PosixShm
            | Mechanism::FileMmap => MechanismFamily::SharedRegion,
        }
    }

    /// Whether the mechanism's objects have names in the file system, which then live in
    /// the run's private directory.
    pub fn needs_private_dir(self) -> bool {
        match self {
            Mechanism::Pipe | Mechanism::AnonShared | Mechanism::SysvShm | Mechanism::PosixShm => {
                false
            }
            Mechanism::Fifo | Mechanism::FileMmap => true,
        }
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
