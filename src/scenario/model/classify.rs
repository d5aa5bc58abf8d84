//! What an action needs and gives back: the end it is called on, the family it belongs
//! to, the bytes of the region it touches and the kind of result it produces.

use super::{Action, End, MechanismFamily, SocketCall};
use crate::platform::Size;

impl Action {
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
            // Actions on the object as a whole, on memory, or on the process.
            _ => None,
        }
    }

    /// The family whose mechanisms the action applies to; `None` for what applies to
    /// every process (`exit`, `exec`, `kill`, `completes`) and for the calls on a named
    /// object of either family (`open`, `unlink`), which the mechanism decides.
    pub fn family(&self) -> Option<MechanismFamily> {
        match self {
            Action::Exit | Action::Exec | Action::Kill(_) | Action::Await => None,
            Action::Socket(_) => Some(MechanismFamily::Socket),
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
            | Action::Shmget { .. }
            | Action::Shmat
            | Action::Shmdt
            | Action::ShmctlRmid
            | Action::ShmOpen { .. }
            | Action::ShmUnlink
            | Action::FstatSize(_) => Some(MechanismFamily::SharedRegion),
            Action::Semop(_)
            | Action::SetVal { .. }
            | Action::SemCount { .. }
            | Action::SemctlRmid
            | Action::Semget { .. }
            | Action::SemOpen { .. }
            | Action::SemWait(_)
            | Action::SemPost
            | Action::SemGetValue
            | Action::SemClose
            | Action::SemUnlink
            | Action::Lock(_) => Some(MechanismFamily::Synchronization),
            // A named object of either family: a FIFO, or a file to map.
            Action::Open { .. } | Action::Unlink => None,
            _ => Some(MechanismFamily::ByteStream),
        }
    }

    /// The bytes of the region an access touches, `(offset, length)`, for bounds checks.
    pub fn region_access(&self) -> Option<(Size, Size)> {
        match self {
            Action::Store { at, data } => Some((*at, data.len())),
            Action::Load { at, len } => Some((*at, *len)),
            Action::StoreU64 { at, .. }
            | Action::LoadU64 { at }
            | Action::FetchAddU64 { at, .. } => Some((Size::Bytes(*at), Size::Bytes(8))),
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
            | Action::FstatSize(_)
            | Action::SemCount { .. }
            | Action::SemGetValue => ResultKind::Count,
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
            | Action::Shmget { .. }
            | Action::Shmat
            | Action::Shmdt
            | Action::ShmctlRmid
            | Action::ShmOpen { .. }
            | Action::ShmUnlink
            | Action::Semop(_)
            | Action::SetVal { .. }
            | Action::SemctlRmid
            | Action::Semget { .. }
            | Action::SemOpen { .. }
            | Action::SemWait(_)
            | Action::SemPost
            | Action::SemClose
            | Action::SemUnlink
            | Action::Lock(_) => ResultKind::Unit,
            Action::Socket(call) => call.result_kind(),
            Action::Await => ResultKind::Awaited,
        }
    }
}

impl SocketCall {
    /// What kind of result the call produces.
    pub fn result_kind(&self) -> ResultKind {
        match self {
            SocketCall::Recv { .. } => ResultKind::Bytes,
            SocketCall::Send { .. }
            | SocketCall::GetOption { .. }
            | SocketCall::GetFlag { .. }
            | SocketCall::Poll { .. }
            | SocketCall::SendUntilFull(_) => ResultKind::Count,
            SocketCall::Socket { .. }
            | SocketCall::Pipe { .. }
            | SocketCall::Bind { .. }
            | SocketCall::Listen { .. }
            | SocketCall::Accept { .. }
            | SocketCall::Connect { .. }
            | SocketCall::Shutdown { .. }
            | SocketCall::SendFd { .. }
            | SocketCall::RecvFd { .. }
            | SocketCall::Dup { .. }
            | SocketCall::SetOption { .. }
            | SocketCall::SetNonBlocking { .. }
            | SocketCall::Close(_) => ResultKind::Unit,
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
