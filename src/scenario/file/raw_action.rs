//! The raw serde shapes of an action: the tagged enum of every action a step may name,
//! the tables some of them take, and their lowering to the model.

use serde::Deserialize;

use super::raw_socket::*;
use super::tagged::tagged_enum;
use super::values::Target;
use crate::scenario::errno::SignalName;
use crate::scenario::model::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEndFlag {
    end: Target,
    flag: FdFlag,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSetPipeSize {
    end: End,
    size: Size,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPoll {
    end: Target,
    event: PollEvent,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOpen {
    mode: AccessMode,
    #[serde(default)]
    flags: Vec<OpenFlag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawShmOpen {
    mode: AccessMode,
    #[serde(default)]
    flags: Vec<OpenFlag>,
    #[serde(default)]
    name_len: Option<Size>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawShmget {
    #[serde(default)]
    size: Option<Size>,
    #[serde(default)]
    flags: Vec<IpcFlag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSemOp {
    num: u16,
    op: i16,
    #[serde(default)]
    flags: Vec<SemFlag>,
}

impl RawSemOp {
    fn lower(self) -> SemOp {
        SemOp {
            num: self.num,
            op: self.op,
            flags: self.flags,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSemtimedop {
    ops: Vec<RawSemOp>,
    timeout_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSetVal {
    num: u16,
    value: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSemget {
    #[serde(default)]
    nsems: u16,
    #[serde(default)]
    flags: Vec<IpcFlag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSemOpen {
    #[serde(default)]
    flags: Vec<OpenFlag>,
    #[serde(default)]
    value: u32,
    #[serde(default)]
    name_len: Option<Size>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTimeout {
    timeout_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    at: Size,
    data: Payload,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLoad {
    at: Size,
    len: Size,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStoreU64 {
    at: u64,
    value: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAt {
    at: u64,
}

fn once() -> u32 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFetchAdd {
    at: u64,
    value: u64,
    #[serde(default = "once")]
    times: u32,
}

fn offset_zero() -> Size {
    Size::Bytes(0)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPread {
    end: End,
    #[serde(default = "offset_zero")]
    at: Size,
    len: Size,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPwrite {
    end: End,
    #[serde(default = "offset_zero")]
    at: Size,
    data: Payload,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReadOn {
    end: End,
    len: Size,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWriteOn {
    end: End,
    data: Payload,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFtruncate {
    end: End,
    len: Size,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRecords {
    len: Size,
    count: u32,
}

tagged_enum! {
    pub(super) enum RawAction {
        what: "action",
        expecting: "an action: a name such as \"completes\", or a table such as { read = 5 }",
        one_only: "a process does one action per step",
        Read(Size) = "read",
        ReadExactly(Size) = "read_exactly",
        ReadToEnd = "read_to_end",
        Write(Payload) = "write",
        WriteRecords(RawRecords) = "write_records",
        Fill = "fill",
        Close(Target) = "close",
        SetNonblocking(Target) = "set_nonblocking",
        ClearNonblocking(Target) = "clear_nonblocking",
        GetFlag(RawEndFlag) = "get_flag",
        FpathconfPipeBuf(End) = "fpathconf_pipe_buf",
        Fionread = "fionread",
        GetPipeSize(End) = "get_pipe_size",
        SetPipeSize(RawSetPipeSize) = "set_pipe_size",
        Lseek(End) = "lseek",
        Pread(RawPread) = "pread",
        Pwrite(RawPwrite) = "pwrite",
        ReadOn(RawReadOn) = "read_on",
        WriteOn(RawWriteOn) = "write_on",
        Poll(RawPoll) = "poll",
        Mkfifo = "mkfifo",
        Open(RawOpen) = "open",
        Unlink = "unlink",
        Ftruncate(RawFtruncate) = "ftruncate",
        Exit = "exit",
        Store(RawStore) = "store",
        Load(RawLoad) = "load",
        StoreU64(RawStoreU64) = "store_u64",
        LoadU64(RawAt) = "load_u64",
        FetchAddU64(RawFetchAdd) = "fetch_add_u64",
        Mprotect(Vec<Prot>) = "mprotect",
        Munmap = "munmap",
        Mmap = "mmap",
        Msync = "msync",
        ShmOpen(RawShmOpen) = "shm_open",
        ShmUnlink = "shm_unlink",
        FstatSize(End) = "fstat_size",
        Semop(Vec<RawSemOp>) = "semop",
        Semtimedop(RawSemtimedop) = "semtimedop",
        SetVal(RawSetVal) = "setval",
        GetVal(u16) = "getval",
        GetNcnt(u16) = "getncnt",
        GetZcnt(u16) = "getzcnt",
        SemctlRmid = "semctl_rmid",
        Semget(RawSemget) = "semget",
        SemOpen(RawSemOpen) = "sem_open",
        SemWait = "sem_wait",
        SemTryWait = "sem_trywait",
        SemTimedWait(RawTimeout) = "sem_timedwait",
        SemPost = "sem_post",
        SemGetValue = "sem_getvalue",
        SemClose = "sem_close",
        SemUnlink = "sem_unlink",
        MutexLock = "mutex_lock",
        MutexTrylock = "mutex_trylock",
        MutexUnlock = "mutex_unlock",
        MutexConsistent = "mutex_consistent",
        CondWait = "cond_wait",
        CondWaitThenUnlock = "cond_wait_then_unlock",
        CondTimedwait(RawTimeout) = "cond_timedwait",
        CondSignal = "cond_signal",
        CondBroadcast = "cond_broadcast",
        Remap = "remap",
        Shmget(RawShmget) = "shmget",
        Shmat = "shmat",
        Shmdt = "shmdt",
        ShmctlRmid = "shmctl_rmid",
        Dup(RawDup) = "dup",
        SetCloexec(End) = "set_cloexec",
        Exec = "exec",
        Kill(SignalName) = "kill",
        Socket(RawSocket) = "socket",
        Pipe(RawPipe) = "pipe",
        Bind(RawOnAddress) = "bind",
        Listen(RawListen) = "listen",
        Accept(RawAccept) = "accept",
        Connect(RawOnAddress) = "connect",
        Send(RawSend) = "send",
        Recv(RawRecv) = "recv",
        Shutdown(RawShutdown) = "shutdown",
        SendFd(RawSendFd) = "send_fd",
        RecvFd(RawOnAs) = "recv_fd",
        Setsockopt(RawSetOption) = "setsockopt",
        Getsockopt(RawGetOption) = "getsockopt",
        SendUntilFull(Handle) = "send_until_full",
        Completes = "completes",
    }
}

impl RawAction {
    /// The names of the actions a scenario of `mechanism` may take, in the order the
    /// format lists them: those of its family, those of its kind of named object, and
    /// those every process takes.
    pub(super) fn names_for(mechanism: Mechanism) -> impl Iterator<Item = &'static str> + Clone {
        RawAction::VARIANTS
            .iter()
            .map(|&(name, _)| name)
            .filter(move |name| applies(name, mechanism))
    }

    pub(super) fn lower(self) -> Action {
        match self {
            RawAction::Read(n) => Action::Read(n),
            RawAction::ReadExactly(n) => Action::ReadExactly(n),
            RawAction::ReadToEnd => Action::ReadToEnd,
            RawAction::Write(p) => Action::Write(p),
            RawAction::WriteRecords(r) => Action::WriteRecords {
                len: r.len,
                count: r.count,
            },
            RawAction::Fill => Action::Fill,
            RawAction::Close(Target::End(e)) => Action::Close(e),
            RawAction::Close(Target::Handle(h)) => Action::Socket(SocketCall::Close(h)),
            RawAction::SetNonblocking(target) => set_nonblocking(target, true),
            RawAction::ClearNonblocking(target) => set_nonblocking(target, false),
            RawAction::GetFlag(RawEndFlag { end, flag }) => match end {
                Target::End(end) => Action::GetFlag { end, flag },
                Target::Handle(on) => Action::Socket(SocketCall::GetFlag { on, flag }),
            },
            RawAction::FpathconfPipeBuf(e) => Action::PipeBufOf(e),
            RawAction::Fionread => Action::FionRead,
            RawAction::GetPipeSize(e) => Action::GetPipeSize(e),
            RawAction::SetPipeSize(r) => Action::SetPipeSize {
                end: r.end,
                size: r.size,
            },
            RawAction::Lseek(e) => Action::Lseek(e),
            RawAction::Pread(r) => Action::Pread {
                end: r.end,
                at: r.at,
                len: r.len,
            },
            RawAction::Pwrite(r) => Action::Pwrite {
                end: r.end,
                at: r.at,
                data: r.data,
            },
            RawAction::ReadOn(r) => Action::ReadOn {
                end: r.end,
                len: r.len,
            },
            RawAction::WriteOn(r) => Action::WriteOn {
                end: r.end,
                data: r.data,
            },
            RawAction::Poll(RawPoll { end, event }) => match end {
                Target::End(end) => Action::Poll { end, event },
                Target::Handle(on) => Action::Socket(SocketCall::Poll { on, event }),
            },
            RawAction::Mkfifo => Action::Mkfifo,
            RawAction::Open(r) => Action::Open {
                mode: r.mode,
                flags: r.flags,
            },
            RawAction::Unlink => Action::Unlink,
            RawAction::Ftruncate(r) => Action::Ftruncate {
                end: r.end,
                len: r.len,
            },
            RawAction::Exit => Action::Exit,
            RawAction::Store(r) => Action::Store {
                at: r.at,
                data: r.data,
            },
            RawAction::Load(r) => Action::Load {
                at: r.at,
                len: r.len,
            },
            RawAction::StoreU64(r) => Action::StoreU64 {
                at: r.at,
                value: r.value,
            },
            RawAction::LoadU64(r) => Action::LoadU64 { at: r.at },
            RawAction::FetchAddU64(r) => Action::FetchAddU64 {
                at: r.at,
                value: r.value,
                times: r.times,
            },
            RawAction::Mprotect(p) => Action::Mprotect(p),
            RawAction::Munmap => Action::Munmap,
            RawAction::Mmap => Action::Mmap,
            RawAction::Msync => Action::Msync,
            RawAction::ShmOpen(r) => Action::ShmOpen {
                mode: r.mode,
                flags: r.flags,
                name_len: r.name_len,
            },
            RawAction::ShmUnlink => Action::ShmUnlink,
            RawAction::FstatSize(e) => Action::FstatSize(e),
            RawAction::Semop(ops) => Action::Semop(SemCall {
                ops: ops.into_iter().map(RawSemOp::lower).collect(),
                timeout: None,
            }),
            RawAction::Semtimedop(r) => Action::Semop(SemCall {
                ops: r.ops.into_iter().map(RawSemOp::lower).collect(),
                timeout: Some(std::time::Duration::from_millis(r.timeout_ms)),
            }),
            RawAction::SetVal(r) => Action::SetVal {
                num: r.num,
                value: r.value,
            },
            RawAction::GetVal(num) => Action::SemCount {
                num,
                what: SemCount::Value,
            },
            RawAction::GetNcnt(num) => Action::SemCount {
                num,
                what: SemCount::Waiting,
            },
            RawAction::GetZcnt(num) => Action::SemCount {
                num,
                what: SemCount::WaitingForZero,
            },
            RawAction::SemctlRmid => Action::SemctlRmid,
            RawAction::Semget(r) => Action::Semget {
                nsems: r.nsems,
                flags: r.flags,
            },
            RawAction::SemOpen(r) => Action::SemOpen {
                flags: r.flags,
                value: r.value,
                name_len: r.name_len,
            },
            RawAction::SemWait => Action::SemWait(SemWait::Wait),
            RawAction::SemTryWait => Action::SemWait(SemWait::Try),
            RawAction::SemTimedWait(r) => Action::SemWait(SemWait::Timed(
                std::time::Duration::from_millis(r.timeout_ms),
            )),
            RawAction::SemPost => Action::SemPost,
            RawAction::SemGetValue => Action::SemGetValue,
            RawAction::SemClose => Action::SemClose,
            RawAction::SemUnlink => Action::SemUnlink,
            RawAction::MutexLock => Action::Lock(LockCall::Lock(LockWait::Wait)),
            RawAction::MutexTrylock => Action::Lock(LockCall::Lock(LockWait::Try)),
            RawAction::MutexUnlock => Action::Lock(LockCall::Unlock),
            RawAction::MutexConsistent => Action::Lock(LockCall::Consistent),
            RawAction::CondWait => Action::Lock(LockCall::CondWait(None)),
            RawAction::CondWaitThenUnlock => Action::Lock(LockCall::CondWaitThenUnlock),
            RawAction::CondTimedwait(r) => Action::Lock(LockCall::CondWait(Some(
                std::time::Duration::from_millis(r.timeout_ms),
            ))),
            RawAction::CondSignal => Action::Lock(LockCall::CondSignal),
            RawAction::CondBroadcast => Action::Lock(LockCall::CondBroadcast),
            RawAction::Remap => Action::Lock(LockCall::Remap),
            RawAction::Shmget(r) => Action::Shmget {
                size: r.size.unwrap_or(Size::Bytes(0)),
                flags: r.flags,
            },
            RawAction::Shmat => Action::Shmat,
            RawAction::Shmdt => Action::Shmdt,
            RawAction::ShmctlRmid => Action::ShmctlRmid,
            RawAction::Dup(RawDup::End(e)) => Action::Dup(e),
            RawAction::Dup(RawDup::Handle(r)) => Action::Socket(r.dup()),
            RawAction::SetCloexec(e) => Action::SetCloExec(e),
            RawAction::Exec => Action::Exec,
            RawAction::Kill(s) => Action::Kill(s),
            RawAction::Socket(r) => Action::Socket(r.lower()),
            RawAction::Pipe(r) => Action::Socket(r.lower()),
            RawAction::Bind(r) => Action::Socket(r.bind()),
            RawAction::Listen(r) => Action::Socket(r.lower()),
            RawAction::Accept(r) => Action::Socket(r.lower()),
            RawAction::Connect(r) => Action::Socket(r.connect()),
            RawAction::Send(r) => Action::Socket(r.lower()),
            RawAction::Recv(r) => Action::Socket(r.lower()),
            RawAction::Shutdown(r) => Action::Socket(r.lower()),
            RawAction::SendFd(r) => Action::Socket(r.lower()),
            RawAction::RecvFd(r) => Action::Socket(r.recv_fd()),
            RawAction::Setsockopt(r) => Action::Socket(r.lower()),
            RawAction::Getsockopt(r) => Action::Socket(r.lower()),
            RawAction::SendUntilFull(h) => Action::Socket(SocketCall::SendUntilFull(h)),
            RawAction::Completes => Action::Await,
        }
    }
}

fn set_nonblocking(target: Target, on: bool) -> Action {
    match target {
        Target::End(end) => Action::SetNonBlocking { end, on },
        Target::Handle(handle) => Action::Socket(SocketCall::SetNonBlocking {
            on: handle,
            enable: on,
        }),
    }
}

/// Whether the action named `name` applies to `mechanism`, as validation decides it for
/// the action's every value.
fn applies(name: &str, mechanism: Mechanism) -> bool {
    use Mechanism::*;
    let family = mechanism.family();
    let byte_stream = family == MechanismFamily::ByteStream;
    // A POSIX shared memory object or a file to map, reached through its descriptor.
    let object = mechanism.has_object();
    match name {
        "exit" | "exec" | "kill" | "completes" => true,
        // On a descriptor: an end, a socket handle, or the object descriptor.
        "close" | "get_flag" | "set_nonblocking" | "clear_nonblocking" => {
            byte_stream || object || family == MechanismFamily::Socket
        }
        "poll" | "dup" => byte_stream || family == MechanismFamily::Socket,
        "set_cloexec" | "pread" | "pwrite" | "ftruncate" | "lseek" => byte_stream || object,
        "read" | "read_exactly" | "read_to_end" | "write" | "write_records" | "fill"
        | "fpathconf_pipe_buf" | "fionread" | "get_pipe_size" | "set_pipe_size" | "read_on"
        | "write_on" => byte_stream,
        "mkfifo" => mechanism == Fifo,
        "open" | "unlink" => matches!(mechanism, Fifo | FileMmap),
        "store" | "load" | "store_u64" | "load_u64" | "fetch_add_u64" | "mprotect" => {
            family == MechanismFamily::SharedRegion
        }
        "mmap" | "munmap" => matches!(mechanism, AnonShared | PosixShm | FileMmap),
        "msync" => mechanism == FileMmap,
        "shm_open" | "shm_unlink" => mechanism == PosixShm,
        "fstat_size" => object,
        "shmget" | "shmat" | "shmdt" | "shmctl_rmid" => mechanism == SysvShm,
        "semop" | "semtimedop" | "setval" | "getval" | "getncnt" | "getzcnt" | "semctl_rmid"
        | "semget" => mechanism == SysvSem,
        "sem_open" | "sem_wait" | "sem_trywait" | "sem_timedwait" | "sem_post" | "sem_getvalue"
        | "sem_close" | "sem_unlink" => mechanism == PosixSem,
        "mutex_lock"
        | "mutex_trylock"
        | "mutex_unlock"
        | "mutex_consistent"
        | "cond_wait"
        | "cond_wait_then_unlock"
        | "cond_timedwait"
        | "cond_signal"
        | "cond_broadcast"
        | "remap" => mechanism == PsharedMutex,
        // The socket calls, `pipe` (a pipe's ends as handles) among them.
        _ => family == MechanismFamily::Socket,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action of every catalogue scenario is among the names listed for its
    /// mechanism, so the list an unknown action shows leaves none out.
    #[test]
    fn the_catalogue_uses_only_the_names_listed_for_its_mechanism() {
        let scenarios = crate::scenario::catalogue().expect("the catalogue parses");
        for s in &scenarios {
            let names: Vec<&str> = RawAction::names_for(s.mechanism).collect();
            for step in &s.steps {
                for (_, action) in &step.actions {
                    let name = action.name();
                    assert!(
                        names.contains(&name),
                        "{}: `{name}` is not listed for {}",
                        s.id,
                        s.mechanism
                    );
                }
            }
        }
    }

    /// The fall-through arm of [`applies`] is the socket calls: each name it takes is one.
    #[test]
    fn every_name_applies_to_some_mechanism() {
        for &(name, _) in RawAction::VARIANTS {
            assert!(
                Mechanism::ALL.iter().any(|m| applies(name, *m)),
                "`{name}` applies to no mechanism"
            );
        }
    }
}
