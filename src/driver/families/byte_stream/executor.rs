//! A byte-stream actor's state and actions: the ends it holds, and the calls it makes on
//! them through the IUT (or, for probes, through their descriptors).

use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::path::PathBuf;

use nix::fcntl::{fcntl, FcntlArg, FdFlag as NixFdFlag};

use crate::driver::event_log::CallKind;
use crate::driver::family::{exposed_fds, ActorContext, Announcement, Executor};
use crate::driver::probe;
use crate::judge::Outcome;
use crate::judge::{payload_bytes, record, records_may_split};
use crate::mechanism::ByteStream;
use crate::platform::PlatformProfile;
use crate::scenario::*;

/// An open end in an actor, and which roles it serves (an O_RDWR FIFO serves both).
struct Handle<E> {
    reads: bool,
    writes: bool,
    end: E,
}

/// One byte-stream actor's state: the ends it holds, and what it borrows from the
/// driver's memory as it was at the fork (the IUT, the profile).
pub(crate) struct StreamExecutor<'a, I: ByteStream> {
    iut: &'a I,
    profile: &'static PlatformProfile,
    /// Whether the leak check can know the descriptors it holds.
    exposes_fds: bool,
    index: usize,
    /// The scenario's FIFO path (empty for a pipe).
    fifo_path: PathBuf,
    handles: Vec<Handle<I::End>>,
}

impl<'a, I: ByteStream> StreamExecutor<'a, I> {
    pub(super) fn new(
        iut: &'a I,
        actor: ActorContext<'_>,
        fifo_path: PathBuf,
        ends: Vec<(End, I::End)>,
    ) -> Self {
        let handles = ends
            .into_iter()
            .map(|(role, end)| Handle {
                reads: role == End::Read,
                writes: role == End::Write,
                end,
            })
            .collect();
        StreamExecutor {
            iut,
            profile: actor.profile,
            exposes_fds: actor.exposes_fds(),
            index: actor.index,
            fifo_path,
            handles,
        }
    }

    fn find(&self, role: End) -> Result<usize, Outcome> {
        self.handles
            .iter()
            .position(|h| match role {
                End::Read => h.reads,
                End::Write => h.writes,
                End::Object => false,
            })
            .ok_or(Outcome::NoSuchEnd(role))
    }

    fn raw_fd(&self, handle: usize) -> RawFd {
        self.iut
            .fd(&self.handles[handle].end)
            .map_or(-1, |fd| fd.as_raw_fd())
    }

    fn size(&self, size: Size) -> usize {
        self.profile
            .resolve(size)
            .expect("sizes are resolved before the run") as usize
    }

    fn act(&mut self, action: &Action) -> Result<Outcome, Outcome> {
        let iut = self.iut;
        let err = |e: Errno| Outcome::Error(e);
        Ok(match action {
            Action::Read(n) => {
                let h = self.find(End::Read)?;
                let mut buf = vec![0u8; self.size(*n)];
                let got = iut.read(&self.handles[h].end, &mut buf).map_err(err)?;
                buf.truncate(got);
                Outcome::Bytes(buf)
            }
            Action::ReadExactly(n) => self.read_until(Some(self.size(*n)))?,
            Action::ReadToEnd => self.read_until(None)?,
            Action::Write(p) => {
                let h = self.find(End::Write)?;
                let bytes = payload_bytes(p, self.profile);
                Outcome::Count(iut.write(&self.handles[h].end, &bytes).map_err(err)? as u64)
            }
            Action::WriteRecords { len, count } => {
                let h = self.find(End::Write)?;
                let len = self.size(*len);
                let may_split = records_may_split(len, self.profile.pipe_buf);
                let mut total = 0u64;
                for seq in 0..*count {
                    let rec = record(self.index, seq, len, may_split);
                    let mut done = 0;
                    while done < rec.len() {
                        done += iut.write(&self.handles[h].end, &rec[done..]).map_err(err)?;
                    }
                    total += rec.len() as u64;
                }
                Outcome::Count(total)
            }
            Action::Fill => {
                // Writes of PIPE_BUF bytes (atomic: all or nothing) while they fit, then
                // halves down to single bytes: the pipe is full when even one byte gets
                // EAGAIN. From an empty pipe this counts what 1-byte writes would, in
                // hundreds of calls instead of tens of thousands.
                let h = self.find(End::Write)?;
                let chunk = vec![0x55u8; self.profile.pipe_buf as usize];
                let mut size = chunk.len();
                let mut total = 0u64;
                loop {
                    match iut.write(&self.handles[h].end, &chunk[..size]) {
                        Ok(n) => total += n as u64,
                        Err(Errno(libc::EAGAIN)) if size > 1 => size /= 2,
                        Err(Errno(libc::EAGAIN)) => break Outcome::Count(total),
                        Err(e) => return Err(err(e)),
                    }
                }
            }
            Action::Close(role) => {
                let h = self.find(*role)?;
                iut.close(self.handles.remove(h).end).map_err(err)?;
                Outcome::Done
            }
            Action::Dup(end) => {
                let h = self.find(*end)?;
                let copy = iut.dup(&self.handles[h].end).map_err(err)?;
                let (reads, writes) = (self.handles[h].reads, self.handles[h].writes);
                self.handles.push(Handle {
                    reads,
                    writes,
                    end: copy,
                });
                Outcome::Done
            }
            Action::SetCloExec(end) => {
                let fd = self.probe_fd(*end)?;
                fcntl(fd, FcntlArg::F_SETFD(NixFdFlag::FD_CLOEXEC)).map_err(|e| err(e.into()))?;
                Outcome::Done
            }
            Action::SetNonBlocking { end, on } => {
                let h = self.find(*end)?;
                iut.set_nonblocking(&self.handles[h].end, *on)
                    .map_err(err)?;
                Outcome::Done
            }
            Action::GetFlag { end, flag } => {
                let fd = self.probe_fd(*end)?;
                Outcome::Count(u64::from(probe::get_flag(fd, *flag).map_err(err)?))
            }
            Action::PipeBufOf(end) => {
                let fd = self.probe_fd(*end)?;
                let v = nix::unistd::fpathconf(fd, nix::unistd::PathconfVar::PIPE_BUF)
                    .map_err(|e| err(e.into()))?
                    .unwrap_or(-1);
                Outcome::Count(v as u64)
            }
            Action::FionRead => {
                Outcome::Count(probe::fionread(self.probe_fd(End::Read)?).map_err(err)?)
            }
            Action::GetPipeSize(end) => {
                Outcome::Count(probe::get_pipe_size(self.probe_fd(*end)?).map_err(err)?)
            }
            Action::SetPipeSize { end, size } => {
                let size = self.size(*size);
                Outcome::Count(probe::set_pipe_size(self.probe_fd(*end)?, size).map_err(err)?)
            }
            Action::Pread { end, at, len } => {
                let mut buf = vec![0u8; self.size(*len)];
                let at = self.size(*at) as libc::off_t;
                let n = nix::sys::uio::pread(self.probe_fd(*end)?, &mut buf, at)
                    .map_err(|e| err(e.into()))?;
                buf.truncate(n);
                Outcome::Bytes(buf)
            }
            Action::Pwrite { end, at, data } => {
                let bytes = payload_bytes(data, self.profile);
                let fd = self.probe_fd(*end)?;
                let at = self.size(*at) as libc::off_t;
                Outcome::Count(
                    nix::sys::uio::pwrite(fd, &bytes, at).map_err(|e| err(e.into()))? as u64,
                )
            }
            Action::ReadOn { end, len } => {
                let h = self.find(*end)?;
                let mut buf = vec![0u8; self.size(*len)];
                let got = iut.read(&self.handles[h].end, &mut buf).map_err(err)?;
                buf.truncate(got);
                Outcome::Bytes(buf)
            }
            Action::WriteOn { end, data } => {
                let h = self.find(*end)?;
                let bytes = payload_bytes(data, self.profile);
                Outcome::Count(iut.write(&self.handles[h].end, &bytes).map_err(err)? as u64)
            }
            Action::Lseek(end) => {
                let fd = self.probe_fd(*end)?;
                Outcome::Count(
                    nix::unistd::lseek(fd, 0, nix::unistd::Whence::SeekCur)
                        .map_err(|e| err(e.into()))? as u64,
                )
            }
            Action::Poll { end, event } => {
                Outcome::Count(probe::poll_ready(self.probe_fd(*end)?, *event).map_err(err)? as u64)
            }
            Action::Ftruncate { end, len } => {
                let fd = self.probe_fd(*end)?;
                let len = self.size(*len) as libc::off_t;
                nix::unistd::ftruncate(fd, len).map_err(|e| err(e.into()))?;
                Outcome::Done
            }
            Action::Mkfifo => {
                iut.mkfifo(&self.fifo_path).map_err(err)?;
                Outcome::Done
            }
            Action::Open { mode, flags } => {
                let end = iut.open(&self.fifo_path, *mode, flags).map_err(err)?;
                let (reads, writes) = match mode {
                    AccessMode::ReadOnly => (true, false),
                    AccessMode::WriteOnly => (false, true),
                    AccessMode::ReadWrite => (true, true),
                };
                self.handles.push(Handle { reads, writes, end });
                Outcome::Done
            }
            Action::Unlink => {
                nix::unistd::unlink(&self.fifo_path).map_err(|e| err(e.into()))?;
                Outcome::Done
            }
            Action::Exec | Action::Exit | Action::Await | Action::Kill(_) => {
                unreachable!("the actor execs and exits, the driver awaits and signals")
            }
            // Memory actions: validation keeps them out of byte-stream scenarios.
            _ => unreachable!("`{}` is not a byte-stream action", action.name()),
        })
    }

    fn read_until(&self, want: Option<usize>) -> Result<Outcome, Outcome> {
        let h = self.find(End::Read)?;
        let mut data = Vec::new();
        let mut buf = vec![0u8; 65536];
        loop {
            let room = want.map_or(buf.len(), |w| (w - data.len()).min(buf.len()));
            if room == 0 {
                return Ok(Outcome::Bytes(data));
            }
            match self.iut.read(&self.handles[h].end, &mut buf[..room]) {
                Ok(0) => return Ok(Outcome::Bytes(data)),
                Ok(n) => data.extend_from_slice(&buf[..n]),
                Err(e) => return Err(Outcome::Error(e)),
            }
        }
    }

    fn probe_fd(&self, role: End) -> Result<BorrowedFd<'_>, Outcome> {
        let h = self.find(role)?;
        self.iut.fd(&self.handles[h].end).ok_or_else(|| {
            Outcome::Unsupported(format!(
                "implementation `{}` exposes no descriptor to probe",
                self.iut.name()
            ))
        })
    }
}

impl<I: ByteStream> Executor for StreamExecutor<'_, I> {
    fn announce(&self, action: &Action) -> Announcement {
        let call = match action {
            Action::Read(_)
            | Action::ReadExactly(_)
            | Action::ReadToEnd
            | Action::ReadOn { .. }
            | Action::Pread { .. } => CallKind::Read,
            Action::Write(_)
            | Action::WriteRecords { .. }
            | Action::Fill
            | Action::WriteOn { .. }
            | Action::Pwrite { .. } => CallKind::Write,
            Action::Open { .. } => CallKind::Open,
            _ => CallKind::Other,
        };
        let role = action.needs_end();
        let fd = match role.map(|r| self.find(r)) {
            Some(Ok(h)) => self.raw_fd(h),
            _ => -1,
        };
        let text = match fd {
            -1 => action.name().to_owned(),
            fd => format!("{}(fd {fd})", action.name()),
        };
        Announcement {
            call,
            arg: fd.into(),
            text,
        }
    }

    /// Pipes are judged on each read as it is: POSIX lets a read of a pipe return fewer
    /// bytes than asked only when fewer are there.
    fn perform(&mut self, action: &Action, _expect: &Expectation) -> Outcome {
        match self.act(action) {
            Ok(o) | Err(o) => o,
        }
    }

    fn held_fds(&self) -> Option<Vec<RawFd>> {
        exposed_fds(
            self.exposes_fds,
            self.handles.iter().filter_map(|h| self.iut.fd(&h.end)),
        )
    }

    fn handles(&self) -> usize {
        self.handles.len()
    }
}
