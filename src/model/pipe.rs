//! The reference model of a pipe, anonymous or named (a FIFO): POSIX semantics under a
//! platform profile, pure and in-process. It holds the bytes in the pipe, the open file
//! descriptions (each with its O_NONBLOCK flag, shared by every copy of it) and which
//! process holds which (inherited copies and duplicates counted), and the calls that are
//! blocked; for each action it answers what the call does and moves to the next state.
//!
//! Where POSIX leaves a choice to the platform, the model takes the profile's: Linux
//! keeps a pipe's bytes in page-sized buffers (`pipe_page`), so room comes back only
//! when a whole buffer has been read, a write first fills the tail of the last buffer if
//! its odd part fits there, and a non-blocking write of more than PIPE_BUF bytes writes
//! what fits; an `open` of a FIFO for reading and writing never waits. Where the outcome
//! would depend on how the kernel schedules the processes (two blocked readers and data
//! for one), the model says so and does not guess.
//!
//! # References
//! - POSIX XSH `read()`: an empty pipe with a writer blocks the reader, or fails with
//!   EAGAIN when O_NONBLOCK is set; with no writer it returns 0.
//! - POSIX XSH `write()`: with no reader, SIGPIPE, or EPIPE when it is ignored; at most
//!   PIPE_BUF bytes are written at once or not at all; O_NONBLOCK turns waiting for room
//!   into EAGAIN (or a partial write above PIPE_BUF).
//! - POSIX XSH `open()`: a FIFO opened read-only waits for a writer, write-only for a
//!   reader; with O_NONBLOCK the first returns at once, the second fails with ENXIO.
//! - POSIX XSH `fcntl()`: O_NONBLOCK belongs to the open file description.

use super::calls::Caller;
use super::outcome::{ModelOutcome, Unmodelled};
use super::pipe_buffer::PipeBuffer;
use crate::platform::PlatformProfile;
use crate::scenario::{
    AccessMode, Action, End, Errno, FdFlag, Mechanism, OpenFlag, PollEvent, Process, Relation,
    SigPipe, SignalName,
};

/// A call waiting in a process.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pending {
    /// One read of at most this many bytes.
    Read(usize),
    /// Reads until `want` bytes or end of file; what came so far.
    ReadExactly { want: usize, got: Vec<u8> },
    /// Reads until end of file; what came so far.
    ReadToEnd(Vec<u8>),
    /// A write: the bytes still to go, and how many went already.
    Write { rest: Vec<u8>, written: u64 },
    /// An `open` of the FIFO waiting for its partner: it counts as a reader or a
    /// writer already (Linux), and goes on once the partner side has opened more than
    /// `seen` times; its descriptor will have FD_CLOEXEC when `cloexec`.
    Open { seen: u64, cloexec: bool },
}

impl Pending {
    fn writes(&self) -> bool {
        matches!(self, Pending::Write { .. })
    }

    fn reads(&self) -> bool {
        matches!(
            self,
            Pending::Read(_) | Pending::ReadExactly { .. } | Pending::ReadToEnd(_)
        )
    }
}

/// An open file description of the pipe: which way it goes, and its O_NONBLOCK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Description {
    reads: bool,
    writes: bool,
    nonblock: bool,
}

/// A descriptor a process holds: the description it refers to, and its FD_CLOEXEC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Descriptor {
    description: usize,
    cloexec: bool,
}

/// What the model keeps of a process besides its calls.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Holder {
    /// Its descriptors, in the order it got them (a call on an end uses the first that
    /// serves it, as the driver's actor does).
    held: Vec<Descriptor>,
    sigpipe: SigPipe,
    /// It ran `exec`: another program holds what survived, and it acts no more.
    execed: bool,
}

/// A process: a call it is blocked in, with the description the call uses.
type ProcessState = Caller<(Pending, usize), Holder>;

/// One pipe or FIFO shared by a scenario's processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipeModel {
    bytes: PipeBuffer,
    capacity: u64,
    pipe_buf: u64,
    descriptions: Vec<Description>,
    processes: Vec<ProcessState>,
    /// A FIFO: whether its name exists, and how many times it was opened for reading
    /// and for writing (what a waiting `open` watches).
    named: Option<Fifo>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fifo {
    exists: bool,
    read_opens: u64,
    write_opens: u64,
}

impl PipeModel {
    /// A pipe made with `flags` before these processes fork, each related process
    /// keeping the ends it names; or a FIFO made before they fork, which they open.
    pub fn for_processes(
        mechanism: Mechanism,
        processes: &[Process],
        flags: &[OpenFlag],
        profile: &PlatformProfile,
    ) -> Result<Self, Unmodelled> {
        let capacity = profile.pipe_capacity.ok_or_else(|| {
            Unmodelled::Action(format!("{} has no fixed pipe capacity", profile.platform))
        })?;
        let named = match mechanism {
            Mechanism::Pipe => None,
            Mechanism::Fifo => Some(Fifo {
                exists: true,
                read_opens: 0,
                write_opens: 0,
            }),
            other => return Err(Unmodelled::Action(format!("no model of {other}"))),
        };
        let nonblock = flags.contains(&OpenFlag::NonBlock);
        let cloexec = flags.contains(&OpenFlag::CloExec);
        let descriptions = match named {
            Some(_) => Vec::new(),
            None => vec![
                Description {
                    reads: true,
                    writes: false,
                    nonblock,
                },
                Description {
                    reads: false,
                    writes: true,
                    nonblock,
                },
            ],
        };
        Ok(PipeModel {
            bytes: PipeBuffer::new(capacity, profile.pipe_page),
            capacity,
            pipe_buf: profile.pipe_buf,
            descriptions,
            named,
            processes: processes
                .iter()
                .map(|p| {
                    let inherits = named.is_none() && p.relation == Relation::Related;
                    let held = [(End::Read, 0), (End::Write, 1)]
                        .iter()
                        .filter(|(e, _)| inherits && p.keeps.contains(e))
                        .map(|&(_, description)| Descriptor {
                            description,
                            cloexec,
                        })
                        .collect();
                    Caller::new(
                        p,
                        Holder {
                            held,
                            sigpipe: p.sigpipe,
                            execed: false,
                        },
                    )
                })
                .collect(),
        })
    }

    /// How many processes share the pipe.
    pub fn process_count(&self) -> usize {
        self.processes.len()
    }

    /// Whether process `p` holds an `end`.
    pub fn holds(&self, p: usize, end: End) -> bool {
        self.processes[p].alive && self.handle(p, end).is_some()
    }

    /// Whether process `p` is alive and free to start a call: not blocked, not holding
    /// the result of one that blocked (a `completes` step must take it first), and not
    /// replaced by another program.
    pub fn idle(&self, p: usize) -> bool {
        self.processes[p].idle() && !self.processes[p].state.execed
    }

    /// Whether process `p` is blocked in a call.
    pub fn blocked(&self, p: usize) -> bool {
        self.processes[p].blocked()
    }

    /// Whether a call process `p` blocked in has come to its result.
    pub fn finished(&self, p: usize) -> bool {
        self.processes[p].finished()
    }

    /// Where in process `p`'s descriptors the first that serves `end` is.
    fn handle(&self, p: usize, end: End) -> Option<usize> {
        self.processes[p].state.held.iter().position(|held| {
            let d = self.descriptions[held.description];
            match end {
                End::Read => d.reads,
                End::Write => d.writes,
                End::Object => false,
            }
        })
    }

    /// The description process `p` uses for `end`; validation makes sure it holds one.
    fn description(&self, p: usize, end: End) -> Result<usize, Unmodelled> {
        self.handle(p, end)
            .map(|h| self.processes[p].state.held[h].description)
            .ok_or_else(|| Unmodelled::Action(format!("a call on a {end} not held")))
    }

    /// The FD_CLOEXEC flag of the descriptor process `p` uses for `end`.
    fn cloexec(&mut self, p: usize, end: End) -> Result<&mut bool, Unmodelled> {
        let h = self
            .handle(p, end)
            .ok_or_else(|| Unmodelled::Action(format!("a call on a {end} not held")))?;
        Ok(&mut self.processes[p].state.held[h].cloexec)
    }

    /// Descriptors open for `side` (reading or writing) in live processes, opens still
    /// waiting for their partner counted.
    fn count(&self, side: impl Fn(&Description) -> bool) -> usize {
        self.processes
            .iter()
            .filter(|p| p.alive)
            .map(|p| {
                let held = p
                    .state
                    .held
                    .iter()
                    .filter(|held| side(&self.descriptions[held.description]))
                    .count();
                let opening = match &p.pending {
                    Some((Pending::Open { .. }, d)) => usize::from(side(&self.descriptions[*d])),
                    _ => 0,
                };
                held + opening
            })
            .sum()
    }

    fn readers(&self) -> usize {
        self.count(|d| d.reads)
    }

    fn writers(&self) -> usize {
        self.count(|d| d.writes)
    }

    /// What `action` of process `p` does, `profile` resolving sizes; the state moves on.
    pub fn apply(
        &mut self,
        p: usize,
        action: &Action,
        profile: &PlatformProfile,
    ) -> Result<ModelOutcome, Unmodelled> {
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
    fn open(
        &mut self,
        p: usize,
        mode: AccessMode,
        flags: &[OpenFlag],
    ) -> Result<ModelOutcome, Unmodelled> {
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

    /// Whether `poll()` reports `event` on `end`: readable when there are bytes or no
    /// writer (end of file); writable when a PIPE_BUF write fits or there is no reader
    /// (the write would fail at once).
    fn ready(&self, end: End, event: PollEvent) -> bool {
        match (end, event) {
            (End::Read, PollEvent::In) => !self.bytes.is_empty() || self.writers() == 0,
            (End::Write, PollEvent::Out) => {
                self.bytes.fits(self.pipe_buf as usize) || self.readers() == 0
            }
            _ => false,
        }
    }

    /// The driver's `fill`: non-blocking writes of PIPE_BUF bytes while they go in,
    /// then halves down to one byte, until even that gets EAGAIN.
    fn fill(&mut self, p: usize) -> Result<ModelOutcome, Unmodelled> {
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

    fn read(&mut self, p: usize, call: Pending) -> Result<ModelOutcome, Unmodelled> {
        let d = self.description(p, End::Read)?;
        let nonblock = self.descriptions[d].nonblock;
        // Linux returns 0 for an empty read before it looks at the pipe.
        if call == Pending::Read(0) {
            return Ok(ModelOutcome::Bytes(Vec::new()));
        }
        if self.bytes.is_empty() && self.writers() > 0 && nonblock {
            return Ok(ModelOutcome::Error(Errno(libc::EAGAIN)));
        }
        if self.in_transit(p, Pending::reads) {
            return Err(Unmodelled::Schedule(
                "another process is between the reads of its read loop".to_owned(),
            ));
        }
        let blocked_writer = self
            .processes
            .iter()
            .any(|q| q.pending.as_ref().is_some_and(|(c, _)| c.writes()));
        match self.progress_read(call) {
            Ok(outcome) => Ok(outcome),
            // The driver's read loops stop at the first EAGAIN, losing nothing but the
            // call: whether a writer they woke got its bytes in first is the kernel's
            // choice.
            Err(_) if nonblock && blocked_writer => Err(Unmodelled::Schedule(
                "a non-blocking read loop races the writer it wakes".to_owned(),
            )),
            Err(_) if nonblock => Ok(ModelOutcome::Error(Errno(libc::EAGAIN))),
            Err(pending) => {
                self.processes[p].pending = Some((pending, d));
                Ok(ModelOutcome::Blocks)
            }
        }
    }

    /// A read's next move: its outcome, or the call still waiting.
    fn progress_read(&mut self, call: Pending) -> Result<ModelOutcome, Pending> {
        let no_writer = self.writers() == 0;
        match call {
            Pending::Read(n) if !self.bytes.is_empty() || no_writer || n == 0 => {
                Ok(ModelOutcome::Bytes(self.bytes.take(n)))
            }
            Pending::ReadExactly { want, mut got } => {
                let more = self.bytes.take(want - got.len());
                got.extend(more);
                if got.len() == want || no_writer {
                    Ok(ModelOutcome::Bytes(got))
                } else {
                    Err(Pending::ReadExactly { want, got })
                }
            }
            Pending::ReadToEnd(mut got) => {
                let all = self.bytes.take(self.bytes.len());
                got.extend(all);
                if no_writer {
                    Ok(ModelOutcome::Bytes(got))
                } else {
                    Err(Pending::ReadToEnd(got))
                }
            }
            waiting => Err(waiting),
        }
    }

    /// Whether a process other than `p` is in the middle of a call `kind` picks out,
    /// woken once already: it takes bytes (or room) as they come, so a call of `p`
    /// races it.
    fn in_transit(&self, p: usize, kind: impl Fn(&Pending) -> bool) -> bool {
        self.processes.iter().enumerate().any(|(q, other)| {
            q != p
                && other.pending.as_ref().is_some_and(|(c, _)| {
                    kind(c)
                        && match c {
                            Pending::ReadExactly { got, .. } | Pending::ReadToEnd(got) => {
                                !got.is_empty()
                            }
                            Pending::Write { written, .. } => *written > 0,
                            Pending::Read(_) | Pending::Open { .. } => false,
                        }
                })
        })
    }

    fn write(&mut self, p: usize, bytes: Vec<u8>) -> Result<ModelOutcome, Unmodelled> {
        let d = self.description(p, End::Write)?;
        let len = bytes.len() as u64;
        // Linux returns 0 for an empty write before it looks for readers.
        if len == 0 {
            return Ok(ModelOutcome::Count(0));
        }
        if self.in_transit(p, Pending::writes) {
            return Err(Unmodelled::Schedule(
                "another process is between the parts of a long write".to_owned(),
            ));
        }
        if self.readers() > 0 && self.descriptions[d].nonblock {
            // All or nothing up to PIPE_BUF; above it, what fits, EAGAIN when nothing
            // does.
            if len <= self.pipe_buf && !self.bytes.fits(bytes.len()) {
                return Ok(ModelOutcome::Error(Errno(libc::EAGAIN)));
            }
            return Ok(match self.bytes.put(&bytes, true) {
                0 => ModelOutcome::Error(Errno(libc::EAGAIN)),
                n => ModelOutcome::Count(n as u64),
            });
        }
        Ok(match self.progress_write(p, bytes, 0) {
            Ok(outcome) => outcome,
            Err(pending) => {
                self.processes[p].pending = Some((pending, d));
                ModelOutcome::Blocks
            }
        })
    }

    /// A blocking write's next move: its outcome, or the call still waiting.
    fn progress_write(
        &mut self,
        p: usize,
        mut rest: Vec<u8>,
        written: u64,
    ) -> Result<ModelOutcome, Pending> {
        if self.readers() == 0 {
            return Ok(match self.processes[p].state.sigpipe {
                SigPipe::Default => {
                    self.processes[p].alive = false;
                    ModelOutcome::Killed(SignalName(nix::sys::signal::Signal::SIGPIPE))
                }
                SigPipe::Ignore if written > 0 => ModelOutcome::Count(written),
                SigPipe::Ignore => ModelOutcome::Error(Errno(libc::EPIPE)),
            });
        }
        // At most PIPE_BUF bytes go in whole or not at all; a longer write puts what
        // fits and waits for the rest, the odd part merged only at its start.
        let atomic = written == 0 && rest.len() as u64 <= self.pipe_buf;
        let n = if atomic && !self.bytes.fits(rest.len()) {
            0
        } else {
            self.bytes.put(&rest, written == 0)
        };
        rest.drain(..n);
        let written = written + n as u64;
        if rest.is_empty() {
            Ok(ModelOutcome::Count(written))
        } else {
            Err(Pending::Write { rest, written })
        }
    }

    /// Let blocked calls move on while any can; a move that more than one blocked call
    /// could make first depends on the kernel's scheduling.
    fn wake(&mut self) -> Result<(), Unmodelled> {
        loop {
            let waiting: Vec<usize> = (0..self.processes.len())
                .filter(|&q| self.processes[q].alive && self.processes[q].pending.is_some())
                .collect();
            let kind = |q: usize, f: fn(&Pending) -> bool| {
                self.processes[q]
                    .pending
                    .as_ref()
                    .is_some_and(|(c, _)| f(c))
            };
            let readers_waiting = waiting.iter().filter(|&&q| kind(q, Pending::reads)).count();
            let writers_waiting = waiting
                .iter()
                .filter(|&&q| kind(q, Pending::writes))
                .count();
            if readers_waiting > 1 && !self.bytes.is_empty() {
                return Err(Unmodelled::Schedule(
                    "two blocked readers and data for one".to_owned(),
                ));
            }
            if writers_waiting > 1 && self.bytes.free_slots() > 0 {
                return Err(Unmodelled::Schedule(
                    "two blocked writers and room for one".to_owned(),
                ));
            }
            let mut moved = false;
            for q in waiting {
                let (call, d) = self.processes[q].pending.take().expect("listed as waiting");
                // The kernel wakes a reader for bytes or the last writer gone, a writer
                // for a free buffer or the last reader gone, an open for its partner's
                // open; the others sleep on.
                let woken = match &call {
                    Pending::Write { .. } => self.readers() == 0 || self.bytes.free_slots() > 0,
                    Pending::Open { seen, .. } => {
                        let fifo = self.named.expect("only a FIFO is opened");
                        let partner = if self.descriptions[d].reads {
                            fifo.write_opens
                        } else {
                            fifo.read_opens
                        };
                        partner > *seen
                    }
                    _ => !self.bytes.is_empty() || self.writers() == 0,
                };
                if !woken {
                    self.processes[q].pending = Some((call, d));
                    continue;
                }
                moved = true;
                let next = match call {
                    Pending::Open { cloexec, .. } => {
                        self.processes[q].state.held.push(Descriptor {
                            description: d,
                            cloexec,
                        });
                        Ok(ModelOutcome::Done)
                    }
                    Pending::Write { rest, written } => self.progress_write(q, rest, written),
                    read => self.progress_read(read),
                };
                // Woken and still short, a call looks at O_NONBLOCK again (set since by
                // another holder of the same open file description): a write returns
                // what it wrote, and the driver's read loops meet EAGAIN.
                let still = match next {
                    Ok(outcome) => {
                        self.processes[q].completed = Some(outcome);
                        continue;
                    }
                    Err(still) => still,
                };
                let nonblock = self.descriptions[d].nonblock;
                let gives_up = match &still {
                    Pending::Write { written, .. } if nonblock => Some(match written {
                        0 => ModelOutcome::Error(Errno(libc::EAGAIN)),
                        n => ModelOutcome::Count(*n),
                    }),
                    Pending::Write { .. } | Pending::Read(_) | Pending::Open { .. } => None,
                    _ if nonblock => Some(ModelOutcome::Error(Errno(libc::EAGAIN))),
                    _ => None,
                };
                match gives_up {
                    Some(outcome) => self.processes[q].completed = Some(outcome),
                    None => self.processes[q].pending = Some((still, d)),
                }
            }
            if !moved {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Payload, Size};

    /// A reader (index 0) and a writer (index 1) of one pipe, under the Linux profile.
    fn pipe() -> PipeModel {
        let s =
            crate::scenario::ScenarioBuilder::new("pipe::model", crate::scenario::Mechanism::Pipe)
                .related("reader", &[End::Read])
                .related("writer", &[End::Write])
                .step(
                    &[("reader", Action::Close(End::Read))],
                    crate::scenario::Expectation::Succeeds,
                )
                .build()
                .expect("a valid scenario");
        PipeModel::for_processes(
            s.mechanism,
            &s.processes,
            &s.create_flags,
            &PlatformProfile::LINUX,
        )
        .expect("Linux pipes have a capacity")
    }

    fn apply(m: &mut PipeModel, p: usize, a: Action) -> ModelOutcome {
        m.apply(p, &a, &PlatformProfile::LINUX).expect("modelled")
    }

    fn write(n: u64) -> Action {
        Action::Write(Payload::Pattern {
            pattern: crate::scenario::Pattern::Seq,
            len: Size::Bytes(n),
        })
    }

    #[test]
    fn a_read_on_an_empty_pipe_blocks_until_a_write() {
        let mut m = pipe();
        assert_eq!(
            apply(&mut m, 0, Action::Read(Size::Bytes(5))),
            ModelOutcome::Blocks
        );
        assert_eq!(
            apply(&mut m, 1, Action::Write(Payload::Text("hi".into()))),
            ModelOutcome::Count(2)
        );
        assert_eq!(
            apply(&mut m, 0, Action::Await),
            ModelOutcome::Bytes(b"hi".to_vec())
        );
    }

    #[test]
    fn end_of_file_only_once_every_write_end_is_closed() {
        let mut m = pipe();
        apply(&mut m, 1, Action::Dup(End::Write));
        apply(&mut m, 1, Action::Close(End::Write));
        assert_eq!(
            apply(&mut m, 0, Action::Read(Size::Bytes(1))),
            ModelOutcome::Blocks
        );
        apply(&mut m, 1, Action::Close(End::Write));
        assert_eq!(
            apply(&mut m, 0, Action::Await),
            ModelOutcome::Bytes(Vec::new())
        );
    }

    #[test]
    fn a_write_with_no_reader_raises_sigpipe() {
        let mut m = pipe();
        apply(&mut m, 0, Action::Close(End::Read));
        assert_eq!(
            apply(&mut m, 1, write(1)),
            ModelOutcome::Killed(SignalName(nix::sys::signal::Signal::SIGPIPE))
        );
    }

    #[test]
    fn room_comes_back_a_page_at_a_time() {
        let mut m = pipe();
        apply(
            &mut m,
            1,
            Action::SetNonBlocking {
                end: End::Write,
                on: true,
            },
        );
        assert_eq!(apply(&mut m, 1, Action::Fill), ModelOutcome::Count(65536));
        // 100 bytes read free no whole page: a PIPE_BUF write cannot go in, nor one byte.
        apply(&mut m, 0, Action::Read(Size::Bytes(100)));
        assert_eq!(
            apply(&mut m, 1, write(1)),
            ModelOutcome::Error(Errno(libc::EAGAIN))
        );
        // The rest of the first page read: a whole page is free again.
        apply(&mut m, 0, Action::Read(Size::Bytes(3996)));
        assert_eq!(apply(&mut m, 1, write(4096)), ModelOutcome::Count(4096));
    }

    #[test]
    fn a_blocking_write_over_capacity_completes_as_the_reader_drains() {
        let mut m = pipe();
        assert_eq!(apply(&mut m, 1, write(65537)), ModelOutcome::Blocks);
        assert_eq!(
            apply(&mut m, 0, Action::ReadExactly(Size::Bytes(65537))).clone(),
            ModelOutcome::Bytes(crate::judge::payload_bytes(
                &Payload::Pattern {
                    pattern: crate::scenario::Pattern::Seq,
                    len: Size::Bytes(65537)
                },
                &PlatformProfile::LINUX
            ))
        );
        assert_eq!(apply(&mut m, 1, Action::Await), ModelOutcome::Count(65537));
    }

    /// Two unrelated processes of a FIFO, under the Linux profile.
    fn fifo() -> PipeModel {
        let s =
            crate::scenario::ScenarioBuilder::new("fifo::model", crate::scenario::Mechanism::Fifo)
                .unrelated("reader")
                .unrelated("writer")
                .step(
                    &[("reader", Action::Mkfifo)],
                    crate::scenario::Expectation::Error(Errno(libc::EEXIST)),
                )
                .build()
                .expect("a valid scenario");
        PipeModel::for_processes(
            s.mechanism,
            &s.processes,
            &s.create_flags,
            &PlatformProfile::LINUX,
        )
        .expect("Linux pipes have a capacity")
    }

    fn open(mode: AccessMode, nonblock: bool) -> Action {
        Action::Open {
            mode,
            flags: if nonblock {
                vec![OpenFlag::NonBlock]
            } else {
                Vec::new()
            },
        }
    }

    #[test]
    fn opening_a_fifo_waits_for_the_other_side() {
        let mut m = fifo();
        assert_eq!(
            apply(&mut m, 0, open(AccessMode::ReadOnly, false)),
            ModelOutcome::Blocks
        );
        assert_eq!(
            apply(&mut m, 1, open(AccessMode::WriteOnly, false)),
            ModelOutcome::Done
        );
        assert_eq!(apply(&mut m, 0, Action::Await), ModelOutcome::Done);
    }

    #[test]
    fn a_non_blocking_write_open_without_a_reader_fails_with_enxio() {
        let mut m = fifo();
        assert_eq!(
            apply(&mut m, 1, open(AccessMode::WriteOnly, true)),
            ModelOutcome::Error(Errno(libc::ENXIO))
        );
        assert_eq!(
            apply(&mut m, 0, open(AccessMode::ReadOnly, true)),
            ModelOutcome::Done
        );
        assert_eq!(
            apply(&mut m, 1, open(AccessMode::WriteOnly, true)),
            ModelOutcome::Done
        );
    }

    #[test]
    fn a_fifo_forgets_its_bytes_once_every_end_is_closed() {
        let mut m = fifo();
        apply(&mut m, 0, open(AccessMode::ReadWrite, false));
        apply(&mut m, 0, Action::Write(Payload::Text("lost".into())));
        apply(&mut m, 0, Action::Close(End::Read));
        apply(&mut m, 0, open(AccessMode::ReadOnly, true));
        assert_eq!(
            apply(&mut m, 0, Action::Read(Size::Bytes(4))),
            ModelOutcome::Bytes(Vec::new())
        );
    }
}
