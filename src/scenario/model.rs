//! The in-memory model of a scenario: what the file format and the builder both produce.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::errno::{Errno, SignalName};

/// The IPC kind a scenario exercises.
///
/// Only the byte-stream mechanisms have a reference implementation so far; the file
/// format rejects the others by name so that a typo is never mistaken for a skip.
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

/// The name of a process (actor) as the scenario spells it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessName(pub String);

impl fmt::Display for ProcessName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The position of a process in [`Scenario::processes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcessIndex(pub usize);

/// The position of a step in [`Scenario::steps`], counted from zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StepIndex(pub usize);

impl fmt::Display for StepIndex {
    /// Steps are shown counted from one, as a reader of the file counts them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0 + 1)
    }
}

/// How a process relates to the IPC object made before the fork.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Relation {
    /// Inherits the object's descriptors across `fork()` and keeps those it names.
    #[default]
    Related,
    /// Inherits nothing of the object; reaches it only by name (a FIFO's path).
    Unrelated,
}

/// One end of a byte stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum End {
    /// The end that `read()` is called on.
    Read,
    /// The end that `write()` is called on.
    Write,
    /// The descriptor of the scenario's named object (a POSIX shared memory object).
    Object,
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            End::Read => "read end",
            End::Write => "write end",
            End::Object => "object descriptor",
        })
    }
}

/// What a process does with SIGPIPE.
///
/// Rust's runtime ignores SIGPIPE before `main`, and a forked child inherits that, so
/// the driver always sets the disposition explicitly from the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SigPipe {
    /// The C default: a write with no reader kills the process.
    #[default]
    Default,
    /// `SIG_IGN`: the write fails with EPIPE instead.
    Ignore,
}

/// One actor of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    /// Its name, unique in the scenario.
    pub name: ProcessName,
    /// Whether it inherits the object made before the fork.
    pub relation: Relation,
    /// The ends of the pipe it keeps after the fork; every other end is closed.
    pub keeps: Vec<End>,
    /// Its SIGPIPE disposition.
    pub sigpipe: SigPipe,
    /// Signals it catches with a handler that does nothing, installed without
    /// SA_RESTART: a blocked call such a signal interrupts fails with EINTR.
    pub handles: Vec<SignalName>,
}

/// A byte count, literal or taken from the platform profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// A literal count.
    Bytes(u64),
    /// A profile constant plus an offset, written `PIPE_BUF+1` in a file.
    Symbol(SizeSymbol, i64),
}

/// The platform constants a [`Size`] may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeSymbol {
    /// `PIPE_BUF`: the largest write that is never interleaved.
    PipeBuf,
    /// The default capacity of a new pipe.
    PipeCapacity,
}

impl SizeSymbol {
    /// The spelling used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            SizeSymbol::PipeBuf => "PIPE_BUF",
            SizeSymbol::PipeCapacity => "PIPE_CAPACITY",
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Size::Bytes(n) => write!(f, "{n}"),
            Size::Symbol(s, 0) => f.write_str(s.name()),
            Size::Symbol(s, d) => write!(f, "{}{d:+}", s.name()),
        }
    }
}

/// A generated byte pattern, so that large transfers stay checkable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// Byte `i` is `i mod 251` (a prime, so page-sized slices differ from each other).
    Seq,
    /// Every byte is zero.
    Zero,
}

/// Bytes written or expected.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// UTF-8 text, taken byte for byte.
    Text(String),
    /// Raw bytes, written in the file as hex.
    Bytes(Vec<u8>),
    /// A generated pattern of a given length.
    Pattern {
        /// Which pattern.
        pattern: Pattern,
        /// How many bytes.
        len: Size,
    },
}

impl Payload {
    /// Its length, which for a pattern may name a profile constant.
    pub fn len(&self) -> Size {
        match self {
            Payload::Text(t) => Size::Bytes(t.len() as u64),
            Payload::Bytes(b) => Size::Bytes(b.len() as u64),
            Payload::Pattern { len, .. } => *len,
        }
    }
}

/// Flags given to `pipe2()` or to `open()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpenFlag {
    /// `O_NONBLOCK`.
    NonBlock,
    /// `O_CLOEXEC`.
    CloExec,
    /// `O_CREAT`.
    Creat,
    /// `O_EXCL`.
    Excl,
}

/// The access mode of an `open()` of a FIFO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessMode {
    /// `O_RDONLY`: the new descriptor becomes the process's read end.
    ReadOnly,
    /// `O_WRONLY`: the new descriptor becomes the process's write end.
    WriteOnly,
    /// `O_RDWR`: the new descriptor serves as both ends.
    ReadWrite,
}

/// A descriptor flag or status flag that [`Action::GetFlag`] reads back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdFlag {
    /// The `O_NONBLOCK` status flag (`F_GETFL`).
    NonBlock,
    /// The `FD_CLOEXEC` descriptor flag (`F_GETFD`).
    CloExec,
}

/// How a mapping is shared, as `mmap()` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    /// `MAP_SHARED`: stores reach the object, which every process mapping it sees.
    Shared,
    /// `MAP_PRIVATE`: stores stay in the process's own copy.
    Private,
}

/// A protection flag, as `mmap()` and `mprotect()` take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prot {
    /// `PROT_READ`.
    Read,
    /// `PROT_WRITE`.
    Write,
}

/// The memory region a shared-region scenario maps before the fork.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionSpec {
    /// Its length in bytes.
    pub len: u64,
    /// MAP_SHARED or MAP_PRIVATE.
    pub sharing: Sharing,
}

impl Default for RegionSpec {
    fn default() -> Self {
        RegionSpec {
            len: 4096,
            sharing: Sharing::Shared,
        }
    }
}

/// A `poll()` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollEvent {
    /// `POLLIN`.
    In,
    /// `POLLOUT`.
    Out,
}

/// One operation a process performs on the implementation under test.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Action {
    /// One `read()` of at most this many bytes.
    Read(Size),
    /// `read()` until this many bytes have arrived or end of file.
    ReadExactly(Size),
    /// `read()` until end of file.
    ReadToEnd,
    /// One `write()` of the payload.
    Write(Payload),
    /// `count` writes of `len`-byte records tagged with the process, for atomicity checks.
    WriteRecords {
        /// Bytes in each record (at least 4).
        len: Size,
        /// How many records.
        count: u32,
    },
    /// Non-blocking 1-byte writes until EAGAIN; returns how many went in (the capacity).
    Fill,
    /// `close()` of one end.
    Close(End),
    /// Set or clear `O_NONBLOCK` on one end with `fcntl(F_SETFL)`.
    SetNonBlocking {
        /// Which end.
        end: End,
        /// Set (true) or clear (false).
        on: bool,
    },
    /// Read back a flag of one end: returns 1 when set, 0 when clear.
    GetFlag {
        /// Which end.
        end: End,
        /// Which flag.
        flag: FdFlag,
    },
    /// `fpathconf(_PC_PIPE_BUF)` on one end.
    PipeBufOf(End),
    /// `ioctl(FIONREAD)` on the read end: the bytes queued.
    FionRead,
    /// `fcntl(F_GETPIPE_SZ)` on one end (Linux).
    GetPipeSize(End),
    /// `fcntl(F_SETPIPE_SZ)` on one end (Linux); returns the size granted.
    SetPipeSize {
        /// Which end.
        end: End,
        /// The size asked for.
        size: Size,
    },
    /// `lseek(fd, 0, SEEK_CUR)` on one end.
    Lseek(End),
    /// `pread()` of `len` bytes at offset `at` on one descriptor.
    Pread {
        /// Which descriptor.
        end: End,
        /// The file offset.
        at: u64,
        /// How many bytes at most.
        len: Size,
    },
    /// `pwrite()` of the payload at offset `at` on one descriptor.
    Pwrite {
        /// Which descriptor.
        end: End,
        /// The file offset.
        at: u64,
        /// The bytes.
        data: Payload,
    },
    /// One `read()` on a chosen end, the write end included (to see EBADF).
    ReadOn {
        /// Which end's descriptor.
        end: End,
        /// At most this many bytes.
        len: Size,
    },
    /// One `write()` on a chosen end, the read end included (to see EBADF).
    WriteOn {
        /// Which end's descriptor.
        end: End,
        /// The bytes.
        data: Payload,
    },
    /// `poll()` of one end for one event with a zero timeout: returns 1 when ready.
    Poll {
        /// Which end.
        end: End,
        /// Which event.
        event: PollEvent,
    },
    /// `mkfifo()` at the scenario's FIFO path.
    Mkfifo,
    /// `open()` of the scenario's FIFO path.
    Open {
        /// The access mode.
        mode: AccessMode,
        /// Extra flags (`O_NONBLOCK`).
        flags: Vec<OpenFlag>,
    },
    /// `unlink()` of the scenario's FIFO path.
    Unlink,
    /// `ftruncate()` of one end to a length.
    Ftruncate {
        /// Which end.
        end: End,
        /// The new length.
        len: u64,
    },
    /// `_exit(0)`: every descriptor the process holds is closed by the kernel.
    Exit,
    /// Copy bytes into the region at an offset (a plain store).
    Store {
        /// Byte offset in the region.
        at: u64,
        /// The bytes.
        data: Payload,
    },
    /// Copy bytes out of the region at an offset (a plain load).
    Load {
        /// Byte offset in the region.
        at: u64,
        /// How many bytes.
        len: Size,
    },
    /// An atomic store of an aligned 64-bit word.
    StoreU64 {
        /// Byte offset, a multiple of 8.
        at: u64,
        /// The value.
        value: u64,
    },
    /// An atomic load of an aligned 64-bit word: returns it.
    LoadU64 {
        /// Byte offset, a multiple of 8.
        at: u64,
    },
    /// Atomic fetch-and-add on an aligned 64-bit word, `times` times: returns the value
    /// seen by the last one.
    FetchAddU64 {
        /// Byte offset, a multiple of 8.
        at: u64,
        /// The addend.
        value: u64,
        /// How many times.
        times: u32,
    },
    /// `mprotect()` of the whole region to these rights (none: PROT_NONE).
    Mprotect(Vec<Prot>),
    /// `munmap()` of the region.
    Munmap,
    /// `mmap()` of a region like the scenario's: anonymous memory (for a process that
    /// has none: an unrelated one, or after `munmap`), or the object the process holds
    /// open (a POSIX shared memory object, a file).
    Mmap,
    /// `msync(MS_SYNC)` of the process's mapping: its stores reach the file.
    Msync,
    /// `shm_open()` of the scenario's POSIX shared memory object; the descriptor becomes
    /// the process's object descriptor.
    ShmOpen {
        /// `O_RDONLY` or `O_RDWR`.
        mode: AccessMode,
        /// `O_CREAT`, `O_EXCL`.
        flags: Vec<OpenFlag>,
    },
    /// `shm_unlink()` of the scenario's POSIX shared memory object.
    ShmUnlink,
    /// `fstat()` of one descriptor: returns `st_size`.
    FstatSize(End),
    /// `shmat()` of the scenario's System V segment, by its id.
    Shmat,
    /// `shmdt()` of the process's attachment.
    Shmdt,
    /// `shmctl(IPC_RMID)` of the scenario's segment: the id goes at once, the memory
    /// when the last attachment does.
    ShmctlRmid,
    /// `dup()` of one end: the new descriptor serves the same role, after the ends the
    /// process already holds.
    Dup(End),
    /// Set `FD_CLOEXEC` on one end with `fcntl(F_SETFD)`.
    SetCloExec(End),
    /// `execv()` of a program that only sleeps ([`Action::EXEC_PROGRAM`]): descriptors
    /// without FD_CLOEXEC live on in it, the others close. Afterwards the process is no
    /// actor any more; it can only be sent signals.
    Exec,
    /// The driver sends the process this signal with `kill()`; allowed while the
    /// process is blocked in a call, which is the point (EINTR, or death).
    Kill(SignalName),
    /// Wait for the action this process started in an earlier step that blocked, and
    /// check its result.
    Await,
}

impl Action {
    /// The program [`Action::Exec`] runs, with its arguments: it sleeps until the driver
    /// kills it at the end of the scenario (or a `kill` step does).
    pub const EXEC_PROGRAM: [&'static str; 3] = ["/bin/sleep", "sleep", "3600"];

    /// The name of the action as a scenario file spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Read(_) => "read",
            Action::ReadExactly(_) => "read_exactly",
            Action::ReadToEnd => "read_to_end",
            Action::Write(_) => "write",
            Action::WriteRecords { .. } => "write_records",
            Action::Fill => "fill",
            Action::Close(_) => "close",
            Action::SetNonBlocking { on: true, .. } => "set_nonblocking",
            Action::SetNonBlocking { on: false, .. } => "clear_nonblocking",
            Action::GetFlag { .. } => "get_flag",
            Action::PipeBufOf(_) => "fpathconf_pipe_buf",
            Action::FionRead => "fionread",
            Action::GetPipeSize(_) => "get_pipe_size",
            Action::SetPipeSize { .. } => "set_pipe_size",
            Action::Lseek(_) => "lseek",
            Action::Pread { .. } => "pread",
            Action::Pwrite { .. } => "pwrite",
            Action::ReadOn { .. } => "read_on",
            Action::WriteOn { .. } => "write_on",
            Action::Poll { .. } => "poll",
            Action::Mkfifo => "mkfifo",
            Action::Open { .. } => "open",
            Action::Unlink => "unlink",
            Action::Ftruncate { .. } => "ftruncate",
            Action::Exit => "exit",
            Action::Store { .. } => "store",
            Action::Load { .. } => "load",
            Action::StoreU64 { .. } => "store_u64",
            Action::LoadU64 { .. } => "load_u64",
            Action::FetchAddU64 { .. } => "fetch_add_u64",
            Action::Mprotect(_) => "mprotect",
            Action::Munmap => "munmap",
            Action::Mmap => "mmap",
            Action::Msync => "msync",
            Action::ShmOpen { .. } => "shm_open",
            Action::ShmUnlink => "shm_unlink",
            Action::FstatSize(_) => "fstat_size",
            Action::Shmat => "shmat",
            Action::Shmdt => "shmdt",
            Action::ShmctlRmid => "shmctl_rmid",
            Action::Dup(_) => "dup",
            Action::SetCloExec(_) => "set_cloexec",
            Action::Exec => "exec",
            Action::Kill(_) => "kill",
            Action::Await => "completes",
        }
    }

    /// The end the action needs the process to hold, if any.
    pub fn needs_end(&self) -> Option<End> {
        match self {
            Action::Read(_) | Action::ReadExactly(_) | Action::ReadToEnd | Action::FionRead => {
                Some(End::Read)
            }
            Action::Write(_) | Action::WriteRecords { .. } | Action::Fill => Some(End::Write),
            Action::Close(end)
            | Action::SetNonBlocking { end, .. }
            | Action::GetFlag { end, .. }
            | Action::PipeBufOf(end)
            | Action::GetPipeSize(end)
            | Action::SetPipeSize { end, .. }
            | Action::Lseek(end)
            | Action::Pread { end, .. }
            | Action::Pwrite { end, .. }
            | Action::ReadOn { end, .. }
            | Action::WriteOn { end, .. }
            | Action::Poll { end, .. }
            | Action::Ftruncate { end, .. }
            | Action::Dup(end)
            | Action::SetCloExec(end)
            | Action::FstatSize(end) => Some(*end),
            Action::Mkfifo
            | Action::Open { .. }
            | Action::Unlink
            | Action::Exit
            | Action::Exec
            | Action::Kill(_)
            | Action::Await
            | Action::Store { .. }
            | Action::Load { .. }
            | Action::StoreU64 { .. }
            | Action::LoadU64 { .. }
            | Action::FetchAddU64 { .. }
            | Action::Mprotect(_)
            | Action::Munmap
            | Action::Mmap
            | Action::Msync
            | Action::Shmat
            | Action::Shmdt
            | Action::ShmctlRmid
            | Action::ShmOpen { .. }
            | Action::ShmUnlink => None,
        }
    }

    /// The family whose mechanisms the action applies to; `None` for what applies to
    /// every process (`exit`, `exec`, `kill`, `completes`) and for the calls on a named
    /// object of either family (`open`, `unlink`), which the mechanism decides.
    pub fn family(&self) -> Option<MechanismFamily> {
        match self {
            Action::Exit | Action::Exec | Action::Kill(_) | Action::Await => None,
            // The object descriptor belongs to the named object of a shared region.
            a if a.needs_end() == Some(End::Object) => Some(MechanismFamily::SharedRegion),
            Action::Store { .. }
            | Action::Load { .. }
            | Action::StoreU64 { .. }
            | Action::LoadU64 { .. }
            | Action::FetchAddU64 { .. }
            | Action::Mprotect(_)
            | Action::Munmap
            | Action::Mmap
            | Action::Msync
            | Action::Shmat
            | Action::Shmdt
            | Action::ShmctlRmid
            | Action::ShmOpen { .. }
            | Action::ShmUnlink
            | Action::FstatSize(_) => Some(MechanismFamily::SharedRegion),
            // A named object of either family: a FIFO, or a file to map.
            Action::Open { .. } | Action::Unlink => None,
            _ => Some(MechanismFamily::ByteStream),
        }
    }

    /// The bytes of the region an access touches, `(offset, length)`, for bounds checks.
    pub fn region_access(&self) -> Option<(u64, Size)> {
        match self {
            Action::Store { at, data } => Some((*at, data.len())),
            Action::Load { at, len } => Some((*at, *len)),
            Action::StoreU64 { at, .. }
            | Action::LoadU64 { at }
            | Action::FetchAddU64 { at, .. } => Some((*at, Size::Bytes(8))),
            _ => None,
        }
    }

    /// What kind of result the action produces, which decides the expectations that apply.
    pub fn result_kind(&self) -> ResultKind {
        match self {
            Action::Read(_)
            | Action::ReadExactly(_)
            | Action::ReadToEnd
            | Action::ReadOn { .. }
            | Action::Pread { .. }
            | Action::Load { .. } => ResultKind::Bytes,
            Action::Write(_)
            | Action::WriteRecords { .. }
            | Action::Fill
            | Action::GetFlag { .. }
            | Action::PipeBufOf(_)
            | Action::FionRead
            | Action::GetPipeSize(_)
            | Action::SetPipeSize { .. }
            | Action::Lseek(_)
            | Action::Pwrite { .. }
            | Action::WriteOn { .. }
            | Action::Poll { .. }
            | Action::LoadU64 { .. }
            | Action::FetchAddU64 { .. }
            | Action::FstatSize(_) => ResultKind::Count,
            Action::Close(_)
            | Action::SetNonBlocking { .. }
            | Action::Mkfifo
            | Action::Open { .. }
            | Action::Unlink
            | Action::Ftruncate { .. }
            | Action::Exit
            | Action::Dup(_)
            | Action::SetCloExec(_)
            | Action::Exec
            | Action::Kill(_)
            | Action::Store { .. }
            | Action::StoreU64 { .. }
            | Action::Mprotect(_)
            | Action::Munmap
            | Action::Mmap
            | Action::Msync
            | Action::Shmat
            | Action::Shmdt
            | Action::ShmctlRmid
            | Action::ShmOpen { .. }
            | Action::ShmUnlink => ResultKind::Unit,
            Action::Await => ResultKind::Awaited,
        }
    }
}

/// The shape of an action's successful result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultKind {
    /// Bytes read (possibly none: end of file).
    Bytes,
    /// A number: bytes written, a flag, a size.
    Count,
    /// Nothing but success.
    Unit,
    /// The result of an earlier action, which decides.
    Awaited,
}

/// A per-platform choice of expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct PlatformExpectation {
    /// On Linux.
    pub linux: Option<Box<Expectation>>,
    /// On macOS.
    pub macos: Option<Box<Expectation>>,
}

impl PlatformExpectation {
    /// The expectation for one platform, if the scenario states one.
    pub fn for_platform(&self, platform: crate::model::Platform) -> Option<&Expectation> {
        match platform {
            crate::model::Platform::Linux => self.linux.as_deref(),
            crate::model::Platform::Macos => self.macos.as_deref(),
        }
    }
}

/// How records written by several [`Action::WriteRecords`] must come out of the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordCheck {
    /// The record length every writer used.
    pub len: Size,
    /// How many writers wrote.
    pub writers: u32,
    /// How many records each wrote.
    pub count: u32,
    /// Whether every record must arrive unbroken (`len` ≤ PIPE_BUF) or may interleave.
    pub atomic: bool,
}

/// What an action must do.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Expectation {
    /// The call sleeps in the kernel until a later step releases it.
    Blocks,
    /// The call succeeds, whatever it returns.
    Succeeds,
    /// The call returns exactly this count (bytes read or written, or a value).
    Returns(Size),
    /// The call returns a count in this inclusive range.
    ReturnsBetween(Size, Size),
    /// The call returns a count of at least this much (where only a floor is promised).
    ReturnsAtLeast(Size),
    /// The call returns these bytes.
    Data(Payload),
    /// The read returns 0: end of file.
    Eof,
    /// The call fails with this errno.
    Error(Errno),
    /// The process is killed by this signal.
    Signal(SignalName),
    /// Records from several writers arrive as the check says.
    Records(RecordCheck),
    /// Any one of these outcomes is allowed.
    AnyOf(Vec<Expectation>),
    /// Each platform has its own expectation.
    Platform(PlatformExpectation),
}

/// One step: the actions that start together and what each must do.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The processes that act, in file order, with their actions.
    pub actions: Vec<(ProcessIndex, Action)>,
    /// What every action of the step must do.
    pub expect: Expectation,
    /// A free-text remark shown in the timeline.
    pub note: Option<String>,
}

/// A platform feature a scenario needs; missing ones make it a skip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// `pipe2()` with flags.
    Pipe2,
    /// `F_GETPIPE_SZ` / `F_SETPIPE_SZ`.
    PipeSize,
}

impl Feature {
    /// The spelling used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Pipe2 => "pipe2",
            Feature::PipeSize => "F_SETPIPE_SZ",
        }
    }
}

/// A whole scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// The test name, `mechanism::file_stem`.
    pub id: String,
    /// The file it came from, when it came from one.
    pub source: Option<PathBuf>,
    /// One line saying what the scenario shows.
    pub summary: String,
    /// The POSIX page and rule it checks, in our words.
    pub reference: String,
    /// Slugs of the behaviours it covers (see the behaviour catalogue).
    pub behaviours: Vec<String>,
    /// The mechanism under test.
    pub mechanism: Mechanism,
    /// Platform features it needs.
    pub requires: Vec<Feature>,
    /// Flags for the object made before the fork (`pipe2()` flags).
    pub create_flags: Vec<OpenFlag>,
    /// The region a shared-region scenario maps before the fork.
    pub region: RegionSpec,
    /// The actors.
    pub processes: Vec<Process>,
    /// The steps, run in order.
    pub steps: Vec<Step>,
    /// The watchdog's bound on each step.
    pub step_timeout: Duration,
}

impl Scenario {
    /// The default bound on one step.
    pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(5);

    /// The process at an index.
    pub fn process(&self, index: ProcessIndex) -> &Process {
        &self.processes[index.0]
    }
}
