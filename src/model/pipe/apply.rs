//! One action of one process on the pipe model: the dispatch from the scenario's action
//! to what the call does, with the calls that only touch descriptors and the FIFO's name
//! (`open`, `unlink`, `fcntl`, `dup`, `exec`) answered here; bytes go through
//! [`super::io`]. After each action the blocked calls get their chance to move on.

use super::state::{Description, Descriptor, Pending, PipeModel};
use crate::model::outcome::{Answer, ModelOutcome, Unmodelled};
use crate::platform::PlatformProfile;
use crate::scenario::{AccessMode, Action, End, Errno, FdFlag, OpenFlag};

impl PipeModel {
    /// What `action` of process `p` does, `profile` resolving sizes; the state moves on.
    pub fn apply(&mut self, p: usize, action: &Action, profile: &PlatformProfile) -> Answer {
        let size = |s| {
            profile
                .resolve(s)
                .map(|n| n as usize)
                .map_err(Unmodelled::Action)
        };
        let outcome = match action {
            Action::Read(n) => self.read(p, Pending::Read(size(*n)?))?,
            Action::ReadExactly(n) => self.read(
                p,
                Pending::ReadExactly {
                    want: size(*n)?,
                    got: Vec::new(),
                },
            )?,
            Action::ReadToEnd => self.read(p, Pending::ReadToEnd(Vec::new()))?,
            Action::Write(payload) => {
                let bytes = crate::judge::payload_bytes(payload, profile);
                self.write(p, bytes)?
            }
            Action::Close(end) => {
                let h = self
                    .handle(p, *end)
                    .ok_or_else(|| Unmodelled::Action(format!("a close of a {end} not held")))?;
                self.processes[p].state.held.remove(h);
                ModelOutcome::Done
            }
            // The new descriptor comes without FD_CLOEXEC.
            Action::Dup(end) => {
                let description = self.description(p, *end)?;
                self.processes[p].state.held.push(Descriptor {
                    description,
                    cloexec: false,
                });
                ModelOutcome::Done
            }
            Action::SetCloExec(end) => {
                *self.cloexec(p, *end)? = true;
                ModelOutcome::Done
            }
            Action::GetFlag {
                end,
                flag: FdFlag::CloExec,
            } => ModelOutcome::Count(u64::from(*self.cloexec(p, *end)?)),
            // Descriptors with FD_CLOEXEC close; the others stay with the new program,
            // which catches no signal (handlers do not survive exec).
            Action::Exec => {
                let holder = &mut self.processes[p].state;
                holder.held.retain(|held| !held.cloexec);
                holder.execed = true;
                self.processes[p].forget_handlers();
                ModelOutcome::Done
            }
            Action::SetNonBlocking { end, on } => {
                let d = self.description(p, *end)?;
                // A call blocked on the same open file description may be between two
                // of its reads or writes: whether it sees the new flag is a race.
                if self
                    .processes
                    .iter()
                    .any(|q| q.pending.as_ref().is_some_and(|(_, pd)| *pd == d))
                {
                    return Err(Unmodelled::Schedule(
                        "O_NONBLOCK changes under a call blocked on the same end".to_owned(),
                    ));
                }
                self.descriptions[d].nonblock = *on;
                ModelOutcome::Done
            }
            Action::GetFlag {
                end,
                flag: FdFlag::NonBlock,
            } => ModelOutcome::Count(u64::from(
                self.descriptions[self.description(p, *end)?].nonblock,
            )),
            Action::ReadOn {
                end: End::Read,
                len,
            } => self.read(p, Pending::Read(size(*len)?))?,
            Action::WriteOn {
                end: End::Write,
                data,
            } => self.write(p, crate::judge::payload_bytes(data, profile))?,
            // The descriptor of the other end is not open for that: EBADF.
            Action::ReadOn { end, .. } | Action::WriteOn { end, .. } => {
                self.description(p, *end)?;
                ModelOutcome::Error(Errno(libc::EBADF))
            }
            // A pipe has no file offset.
            Action::Lseek(end) | Action::Pread { end, .. } | Action::Pwrite { end, .. } => {
                self.description(p, *end)?;
                ModelOutcome::Error(Errno(libc::ESPIPE))
            }
            Action::Fill => self.fill(p)?,
            Action::FionRead => ModelOutcome::Count(self.bytes.len() as u64),
            Action::PipeBufOf(_) => ModelOutcome::Count(self.pipe_buf),
            Action::GetPipeSize(_) => ModelOutcome::Count(self.capacity),
            Action::Poll { end, event } => {
                self.description(p, *end)?;
                ModelOutcome::Count(u64::from(self.ready(*end, *event)))
            }
            Action::Open { mode, flags } => self.open(p, *mode, flags)?,
            Action::Mkfifo => match &self.named {
                Some(fifo) if fifo.exists => ModelOutcome::Error(Errno(libc::EEXIST)),
                _ => {
                    return Err(Unmodelled::Action(
                        "a FIFO made again under the same name".to_owned(),
                    ))
                }
            },
            Action::Unlink => match &mut self.named {
                Some(fifo) if fifo.exists => {
                    fifo.exists = false;
                    ModelOutcome::Done
                }
                Some(_) => ModelOutcome::Error(Errno(libc::ENOENT)),
                None => return Err(Unmodelled::Action("`unlink` of a pipe".to_owned())),
            },
            Action::Exit => {
                self.processes[p].alive = false;
                ModelOutcome::Done
            }
            // A caught signal interrupts a blocked call: EINTR, or the count a write
            // got in before. Any other kills the process, and the call ends with it.
            Action::Kill(signal) => {
                self.processes[p].signal(*signal, |(call, _)| match call {
                    Pending::Write { written, .. } if written > 0 => ModelOutcome::Count(written),
                    _ => ModelOutcome::Error(Errno(libc::EINTR)),
                });
                ModelOutcome::Done
            }
            Action::Await => self.processes[p].await_result(),
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        };
        self.wake()?;
        // Once no descriptor is open, a FIFO's bytes are gone (Linux frees the pipe).
        if self.readers() == 0 && self.writers() == 0 {
            self.bytes.clear();
        }
        Ok(self.processes[p].settle(outcome, action))
    }

    /// `open()` of the FIFO: a new open file description, read-only, write-only or both.
    fn open(&mut self, p: usize, mode: AccessMode, flags: &[OpenFlag]) -> Answer {
        let Some(fifo) = self.named else {
            return Err(Unmodelled::Action("`open` of a pipe".to_owned()));
        };
        if !fifo.exists {
            return Ok(ModelOutcome::Error(Errno(libc::ENOENT)));
        }
        if flags
            .iter()
            .any(|f| !matches!(f, OpenFlag::NonBlock | OpenFlag::CloExec))
        {
            return Err(Unmodelled::Action(
                "open flags but O_NONBLOCK and O_CLOEXEC".to_owned(),
            ));
        }
        let nonblock = flags.contains(&OpenFlag::NonBlock);
        let cloexec = flags.contains(&OpenFlag::CloExec);
        let (reads, writes) = match mode {
            AccessMode::ReadOnly => (true, false),
            AccessMode::WriteOnly => (false, true),
            AccessMode::ReadWrite => (true, true),
        };
        if mode == AccessMode::WriteOnly && nonblock && self.readers() == 0 {
            return Ok(ModelOutcome::Error(Errno(libc::ENXIO)));
        }
        let d = self.descriptions.len();
        self.descriptions.push(Description {
            reads,
            writes,
            nonblock,
        });
        let fifo = self.named.as_mut().expect("checked above");
        fifo.read_opens += u64::from(reads);
        fifo.write_opens += u64::from(writes);
        let (read_opens, write_opens) = (fifo.read_opens, fifo.write_opens);
        // Read-only waits for a writer, write-only for a reader, unless one is there
        // (or, reading, O_NONBLOCK); read-write never waits.
        let waits = match mode {
            AccessMode::ReadOnly if !nonblock && self.writers() == 0 => Some(write_opens),
            AccessMode::WriteOnly if self.readers() == 0 => Some(read_opens),
            _ => None,
        };
        match waits {
            Some(seen) => {
                self.processes[p].pending = Some((Pending::Open { seen, cloexec }, d));
                Ok(ModelOutcome::Blocks)
            }
            None => {
                self.processes[p].state.held.push(Descriptor {
                    description: d,
                    cloexec,
                });
                Ok(ModelOutcome::Done)
            }
        }
    }

    /// The driver's `fill`: non-blocking writes of PIPE_BUF bytes while they go in,
    /// then halves down to one byte, until even that gets EAGAIN.
    fn fill(&mut self, p: usize) -> Answer {
        if self.readers() == 0 {
            return self.write(p, vec![0x55]);
        }
        if !self.descriptions[self.description(p, End::Write)?].nonblock {
            return Err(Unmodelled::Action(
                "`fill` on a blocking write end".to_owned(),
            ));
        }
        let mut size = self.pipe_buf as usize;
        let mut total = 0u64;
        loop {
            match self.write(p, vec![0x55; size])? {
                ModelOutcome::Count(n) => total += n,
                _ if size > 1 => size /= 2,
                _ => return Ok(ModelOutcome::Count(total)),
            }
        }
    }
}
