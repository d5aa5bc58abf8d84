//! The actions a process performs, and their names as a scenario file spells them.

use super::{
    AccessMode, End, FdFlag, IpcFlag, LockCall, OpenFlag, Payload, PollEvent, Prot, SemCall,
    SemCount, SemWait, SocketCall,
};
use crate::platform::Size;
use crate::scenario::errno::SignalName;

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
        at: Size,
        /// How many bytes at most.
        len: Size,
    },
    /// `pwrite()` of the payload at offset `at` on one descriptor.
    Pwrite {
        /// Which descriptor.
        end: End,
        /// The file offset.
        at: Size,
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
    /// `open()` of the scenario's named object: its FIFO (the descriptor becomes a read
    /// end, a write end, or both) or its file to map (the object descriptor).
    Open {
        /// The access mode.
        mode: AccessMode,
        /// Extra flags (`O_NONBLOCK`).
        flags: Vec<OpenFlag>,
    },
    /// `unlink()` of the scenario's FIFO or file.
    Unlink,
    /// `ftruncate()` of one end to a length.
    Ftruncate {
        /// Which end.
        end: End,
        /// The new length.
        len: Size,
    },
    /// `_exit(0)`: every descriptor the process holds is closed by the kernel.
    Exit,
    /// Copy bytes into the region at an offset (a plain store).
    Store {
        /// Byte offset in the region.
        at: Size,
        /// The bytes.
        data: Payload,
    },
    /// Copy bytes out of the region at an offset (a plain load).
    Load {
        /// Byte offset in the region.
        at: Size,
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
        /// Open a name of this length instead (the scenario's name padded), to probe
        /// the platform's limit.
        name_len: Option<Size>,
    },
    /// `shm_unlink()` of the scenario's POSIX shared memory object.
    ShmUnlink,
    /// `fstat()` of one descriptor: returns `st_size`.
    FstatSize(End),
    /// `shmget()` of the scenario's key (`[region] key = "random"`): the process then
    /// holds the id it returns, for `shmat` and `shmctl_rmid`.
    Shmget {
        /// The size asked for: 0 for "whatever size the segment has".
        size: Size,
        /// `IPC_CREAT`, `IPC_EXCL`.
        flags: Vec<IpcFlag>,
    },
    /// `shmat()` of the scenario's System V segment, by its id.
    Shmat,
    /// `shmdt()` of the process's attachment.
    Shmdt,
    /// `shmctl(IPC_RMID)` of the scenario's segment: the id goes at once, the memory
    /// when the last attachment does.
    ShmctlRmid,
    /// `semop()` (or, with a time-out, `semtimedop()`) on the scenario's semaphore set.
    Semop(SemCall),
    /// `semctl(SETVAL)`: set one semaphore's value.
    SetVal {
        /// The semaphore's number.
        num: u16,
        /// Its new value.
        value: i32,
    },
    /// `semctl(GETVAL, GETNCNT or GETZCNT)` of one semaphore: returns the count.
    SemCount {
        /// The semaphore's number.
        num: u16,
        /// What to read.
        what: SemCount,
    },
    /// `semctl(IPC_RMID)` of the set: it goes at once, and every process waiting on it
    /// fails with EIDRM.
    SemctlRmid,
    /// `semget()` of the scenario's key (`[semaphores] key = "random"`): the process
    /// then holds the id it returns.
    Semget {
        /// How many semaphores to ask for: 0 for "whatever the set has".
        nsems: u16,
        /// `IPC_CREAT`, `IPC_EXCL`.
        flags: Vec<IpcFlag>,
    },
    /// `sem_open()` of the scenario's POSIX named semaphore (mode 0600): the process
    /// then holds it.
    SemOpen {
        /// `O_CREAT`, `O_EXCL`.
        flags: Vec<OpenFlag>,
        /// The value a semaphore it creates starts at.
        value: u32,
        /// Open a name of this length instead (the scenario's name padded), to probe
        /// the platform's limit.
        name_len: Option<Size>,
    },
    /// `sem_wait()`, `sem_trywait()` or `sem_timedwait()` on the process's semaphore.
    SemWait(SemWait),
    /// `sem_post()` on the process's semaphore.
    SemPost,
    /// `sem_getvalue()` of the process's semaphore: returns the value.
    SemGetValue,
    /// `sem_close()` of the process's semaphore.
    SemClose,
    /// `sem_unlink()` of the scenario's name.
    SemUnlink,
    /// A call on the scenario's process-shared mutex or condition variable.
    Lock(LockCall),
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
    /// A call on sockets, or on the descriptors a socket process holds by name.
    Socket(SocketCall),
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
            Action::Shmget { .. } => "shmget",
            Action::Semop(SemCall { timeout: None, .. }) => "semop",
            Action::Semop(SemCall {
                timeout: Some(_), ..
            }) => "semtimedop",
            Action::SetVal { .. } => "setval",
            Action::SemCount {
                what: SemCount::Value,
                ..
            } => "getval",
            Action::SemCount {
                what: SemCount::Waiting,
                ..
            } => "getncnt",
            Action::SemCount {
                what: SemCount::WaitingForZero,
                ..
            } => "getzcnt",
            Action::SemctlRmid => "semctl_rmid",
            Action::Semget { .. } => "semget",
            Action::SemOpen { .. } => "sem_open",
            Action::SemWait(SemWait::Wait) => "sem_wait",
            Action::SemWait(SemWait::Try) => "sem_trywait",
            Action::SemWait(SemWait::Timed(_)) => "sem_timedwait",
            Action::SemPost => "sem_post",
            Action::SemGetValue => "sem_getvalue",
            Action::SemClose => "sem_close",
            Action::SemUnlink => "sem_unlink",
            Action::Lock(call) => call.name(),
            Action::Shmat => "shmat",
            Action::Shmdt => "shmdt",
            Action::ShmctlRmid => "shmctl_rmid",
            Action::Dup(_) => "dup",
            Action::SetCloExec(_) => "set_cloexec",
            Action::Exec => "exec",
            Action::Kill(_) => "kill",
            Action::Socket(call) => call.name(),
            Action::Await => "completes",
        }
    }
}
