//! The reference model of an anonymous pipe: POSIX semantics under a platform profile,
//! pure and in-process. It holds the bytes in the pipe, which process holds which ends
//! (inherited copies and duplicates counted), the O_NONBLOCK flag of each end's open
//! file description (shared by every copy), and the calls that are blocked; for each
//! action it answers what the call does and moves to the next state.
//!
//! Where POSIX leaves a choice to the platform, the model takes the profile's: Linux
//! keeps a pipe's bytes in page-sized buffers (`pipe_page`), so room comes back only
//! when a whole buffer has been read, a write first fills the tail of the last buffer if
//! its odd part fits there, and a non-blocking write of more than PIPE_BUF bytes writes
//! what fits. Where the outcome would depend on how the kernel schedules the processes
//! (two blocked readers and data for one), the model says so and does not guess.
//!
//! # References
//! - POSIX XSH `read()`: an empty pipe with a writer blocks the reader, or fails with
//!   EAGAIN when O_NONBLOCK is set; with no writer it returns 0.
//! - POSIX XSH `write()`: with no reader, SIGPIPE, or EPIPE when it is ignored; at most
//!   PIPE_BUF bytes are written at once or not at all; O_NONBLOCK turns waiting for room
//!   into EAGAIN (or a partial write above PIPE_BUF).
//! - POSIX XSH `fcntl()`: O_NONBLOCK belongs to the open file description.

use std::collections::VecDeque;

use super::PlatformProfile;
use crate::scenario::{
    Action, End, Errno, FdFlag, OpenFlag, PollEvent, Process, Relation, Scenario, SigPipe,
    SignalName,
};

/// What the model says a call does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelOutcome {
    /// The call waits until a later step releases it.
    Blocks,
    /// It returns these bytes (empty: end of file).
    Bytes(Vec<u8>),
    /// It returns a count or a value.
    Count(u64),
    /// It succeeds with nothing to return.
    Done,
    /// It fails with this errno.
    Error(Errno),
    /// The process is killed by this signal.
    Killed(SignalName),
}

/// Why the model cannot answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unmodelled {
    /// An action or setting the model does not cover.
    Action(String),
    /// The outcome depends on the kernel's scheduling.
    Schedule(String),
}

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
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct ProcessState {
    reads: u32,
    writes: u32,
    alive: bool,
    sigpipe: SigPipe,
    /// Signals caught with a handler that does nothing (no SA_RESTART).
    handles: Vec<SignalName>,
    pending: Option<Pending>,
    /// What a call that blocked came to, for the step that awaits it.
    completed: Option<ModelOutcome>,
}

/// One buffer of the pipe: where its bytes start in the page, and how many there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Buffer {
    offset: usize,
    len: usize,
}

/// One pipe shared by a scenario's processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipeModel {
    data: VecDeque<u8>,
    buffers: VecDeque<Buffer>,
    page: usize,
    slots: usize,
    capacity: u64,
    pipe_buf: u64,
    read_nonblock: bool,
    write_nonblock: bool,
    processes: Vec<ProcessState>,
}

impl PipeModel {
    /// The pipe as a scenario sets it up: made before the fork with the scenario's
    /// flags, each related process keeping the ends it names.
    pub fn new(scenario: &Scenario, profile: &PlatformProfile) -> Result<Self, Unmodelled> {
        Self::for_processes(&scenario.processes, &scenario.create_flags, profile)
    }

    /// The pipe made with `flags` before these processes fork.
    pub fn for_processes(
        processes: &[Process],
        flags: &[OpenFlag],
        profile: &PlatformProfile,
    ) -> Result<Self, Unmodelled> {
        let capacity = profile.pipe_capacity.ok_or_else(|| {
            Unmodelled::Action(format!("{} has no fixed pipe capacity", profile.platform))
        })?;
        let nonblock = flags.contains(&OpenFlag::NonBlock);
        let page = profile.pipe_page.max(1) as usize;
        Ok(PipeModel {
            data: VecDeque::new(),
            buffers: VecDeque::new(),
            page,
            slots: capacity as usize / page,
            capacity,
            pipe_buf: profile.pipe_buf,
            read_nonblock: nonblock,
            write_nonblock: nonblock,
            processes: processes
                .iter()
                .map(|p| {
                    let keeps =
                        |e| u32::from(p.relation == Relation::Related && p.keeps.contains(&e));
                    ProcessState {
                        reads: keeps(End::Read),
                        writes: keeps(End::Write),
                        alive: true,
                        sigpipe: p.sigpipe,
                        handles: p.handles.clone(),
                        pending: None,
                        completed: None,
                    }
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
        let process = &self.processes[p];
        process.alive
            && match end {
                End::Read => process.reads > 0,
                End::Write => process.writes > 0,
                End::Object => false,
            }
    }

    /// Whether process `p` is alive and free to start a call: not blocked, and not
    /// holding the result of one that blocked (a `completes` step must take it first).
    pub fn idle(&self, p: usize) -> bool {
        let process = &self.processes[p];
        process.alive && process.pending.is_none() && process.completed.is_none()
    }

    /// Whether process `p` is blocked in a call.
    pub fn blocked(&self, p: usize) -> bool {
        let process = &self.processes[p];
        process.alive && process.pending.is_some()
    }

    /// Whether a call process `p` blocked in has come to its result.
    pub fn finished(&self, p: usize) -> bool {
        self.processes[p].completed.is_some()
    }

    fn readers(&self) -> u32 {
        self.processes
            .iter()
            .filter(|p| p.alive)
            .map(|p| p.reads)
            .sum()
    }

    fn writers(&self) -> u32 {
        self.processes
            .iter()
            .filter(|p| p.alive)
            .map(|p| p.writes)
            .sum()
    }

    fn free_slots(&self) -> usize {
        self.slots - self.buffers.len()
    }

    /// Bytes read from the front; a buffer read to its end is free again.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.data.len());
        let mut left = n;
        while left > 0 {
            let front = self.buffers.front_mut().expect("bytes are in buffers");
            let k = left.min(front.len);
            front.offset += k;
            front.len -= k;
            left -= k;
            if front.len == 0 {
                self.buffers.pop_front();
            }
        }
        self.data.drain(..n).collect()
    }

    /// Put what fits of `bytes` as the kernel would, returning how many went in: first
    /// the odd part (`len % page`) into the last buffer's tail when `merge` and it fits
    /// there whole, then page-sized pieces into free buffers.
    fn put(&mut self, bytes: &[u8], merge: bool) -> usize {
        let mut done = 0;
        let odd = bytes.len() % self.page;
        if merge && odd > 0 && !self.data.is_empty() {
            let last = self.buffers.back_mut().expect("bytes are in buffers");
            if last.offset + last.len + odd <= self.page {
                last.len += odd;
                done = odd;
            }
        }
        while done < bytes.len() && self.free_slots() > 0 {
            let k = (bytes.len() - done).min(self.page);
            self.buffers.push_back(Buffer { offset: 0, len: k });
            done += k;
        }
        self.data.extend(&bytes[..done]);
        done
    }

    /// Whether `put` would take all of `len` bytes.
    fn fits(&self, len: usize) -> bool {
        let mut probe = self.clone();
        probe.put(&vec![0; len], true) == len
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
                let bytes = crate::driver::payload_bytes(payload, profile);
                self.write(p, bytes)?
            }
            Action::Close(end) => {
                let held = self.ends(p, *end)?;
                *held -= 1;
                ModelOutcome::Done
            }
            Action::Dup(end) => {
                *self.ends(p, *end)? += 1;
                ModelOutcome::Done
            }
            Action::SetNonBlocking { end, on } => {
                self.ends(p, *end)?;
                // A call blocked on the same open file description may be between two
                // of its reads or writes: whether it sees the new flag is a race.
                let writing = |c: &Pending| matches!(c, Pending::Write { .. });
                let racing = self.processes.iter().any(|q| {
                    q.pending
                        .as_ref()
                        .is_some_and(|c| writing(c) == (*end == End::Write))
                });
                if racing {
                    return Err(Unmodelled::Schedule(
                        "O_NONBLOCK changes under a call blocked on the same end".to_owned(),
                    ));
                }
                *self.nonblock(*end) = *on;
                ModelOutcome::Done
            }
            Action::GetFlag {
                end,
                flag: FdFlag::NonBlock,
            } => {
                self.ends(p, *end)?;
                ModelOutcome::Count(u64::from(*self.nonblock(*end)))
            }
            Action::ReadOn {
                end: End::Read,
                len,
            } => self.read(p, Pending::Read(size(*len)?))?,
            Action::WriteOn {
                end: End::Write,
                data,
            } => self.write(p, crate::driver::payload_bytes(data, profile))?,
            // The other end's descriptor is not open for that: EBADF.
            Action::ReadOn { end, .. } | Action::WriteOn { end, .. } => {
                self.ends(p, *end)?;
                ModelOutcome::Error(Errno(libc::EBADF))
            }
            // A pipe has no file offset.
            Action::Lseek(end) | Action::Pread { end, .. } | Action::Pwrite { end, .. } => {
                self.ends(p, *end)?;
                ModelOutcome::Error(Errno(libc::ESPIPE))
            }
            Action::Fill => self.fill(p)?,
            Action::FionRead => ModelOutcome::Count(self.data.len() as u64),
            Action::PipeBufOf(_) => ModelOutcome::Count(self.pipe_buf),
            Action::GetPipeSize(_) => ModelOutcome::Count(self.capacity),
            Action::Poll { end, event } => {
                self.ends(p, *end)?;
                ModelOutcome::Count(u64::from(self.ready(*end, *event)))
            }
            Action::Exit => {
                let process = &mut self.processes[p];
                process.alive = false;
                ModelOutcome::Done
            }
            // A caught signal interrupts a blocked call: EINTR, or the count a write
            // got in before. Any other kills the process, and the call ends with it.
            Action::Kill(signal) => {
                let process = &mut self.processes[p];
                let caught = process.handles.contains(signal);
                process.alive &= caught;
                process.completed = process.pending.take().map(|call| match call {
                    _ if !caught => ModelOutcome::Killed(*signal),
                    Pending::Write { written, .. } if written > 0 => ModelOutcome::Count(written),
                    _ => ModelOutcome::Error(Errno(libc::EINTR)),
                });
                ModelOutcome::Done
            }
            Action::Await => match self.processes[p].completed.take() {
                Some(outcome) => outcome,
                None => ModelOutcome::Blocks,
            },
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        };
        self.wake()?;
        // A call that had to wait but that the calls it woke let finish (a reader that
        // drained a full pipe and let a blocked writer put the rest in) does not block.
        if outcome == ModelOutcome::Blocks && !matches!(action, Action::Await) {
            if let Some(done) = self.processes[p].completed.take() {
                return Ok(done);
            }
        }
        Ok(outcome)
    }

    /// The count of `end`s process `p` holds; validation makes sure it holds one.
    fn ends(&mut self, p: usize, end: End) -> Result<&mut u32, Unmodelled> {
        let process = &mut self.processes[p];
        match end {
            End::Read if process.reads > 0 => Ok(&mut process.reads),
            End::Write if process.writes > 0 => Ok(&mut process.writes),
            _ => Err(Unmodelled::Action(format!(
                "a call on a {end:?} end not held"
            ))),
        }
    }

    fn nonblock(&mut self, end: End) -> &mut bool {
        match end {
            End::Read => &mut self.read_nonblock,
            _ => &mut self.write_nonblock,
        }
    }

    /// Whether `poll()` reports `event` on `end`: readable when there are bytes or no
    /// writer (end of file); writable when a PIPE_BUF write fits or there is no reader
    /// (the write would fail at once).
    fn ready(&self, end: End, event: PollEvent) -> bool {
        match (end, event) {
            (End::Read, PollEvent::In) => !self.data.is_empty() || self.writers() == 0,
            (End::Write, PollEvent::Out) => {
                self.fits(self.pipe_buf as usize) || self.readers() == 0
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
        if !self.write_nonblock {
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
        // Linux returns 0 for an empty read before it looks at the pipe.
        if call == Pending::Read(0) {
            return Ok(ModelOutcome::Bytes(Vec::new()));
        }
        if self.data.is_empty() && self.writers() > 0 && self.read_nonblock {
            return Ok(ModelOutcome::Error(Errno(libc::EAGAIN)));
        }
        if self.in_transit(p, |c| !matches!(c, Pending::Write { .. })) {
            return Err(Unmodelled::Schedule(
                "another process is between the reads of its read loop".to_owned(),
            ));
        }
        let blocked_writer = self
            .processes
            .iter()
            .any(|q| matches!(q.pending, Some(Pending::Write { .. })));
        match self.progress_read(call) {
            Ok(outcome) => Ok(outcome),
            // The driver's read loops stop at the first EAGAIN, losing nothing but the
            // call: whether a writer they woke got its bytes in first is the kernel's
            // choice.
            Err(_) if self.read_nonblock && blocked_writer => Err(Unmodelled::Schedule(
                "a non-blocking read loop races the writer it wakes".to_owned(),
            )),
            Err(_) if self.read_nonblock => Ok(ModelOutcome::Error(Errno(libc::EAGAIN))),
            Err(pending) => {
                self.processes[p].pending = Some(pending);
                Ok(ModelOutcome::Blocks)
            }
        }
    }

    /// A read's next move: its outcome, or the call still waiting.
    fn progress_read(&mut self, call: Pending) -> Result<ModelOutcome, Pending> {
        let no_writer = self.writers() == 0;
        match call {
            Pending::Read(n) if !self.data.is_empty() || no_writer || n == 0 => {
                Ok(ModelOutcome::Bytes(self.take(n)))
            }
            Pending::ReadExactly { want, mut got } => {
                let more = self.take(want - got.len());
                got.extend(more);
                if got.len() == want || no_writer {
                    Ok(ModelOutcome::Bytes(got))
                } else {
                    Err(Pending::ReadExactly { want, got })
                }
            }
            Pending::ReadToEnd(mut got) => {
                let all = self.take(self.data.len());
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
                && other.pending.as_ref().is_some_and(|c| {
                    kind(c)
                        && match c {
                            Pending::ReadExactly { got, .. } | Pending::ReadToEnd(got) => {
                                !got.is_empty()
                            }
                            Pending::Write { written, .. } => *written > 0,
                            Pending::Read(_) => false,
                        }
                })
        })
    }

    fn write(&mut self, p: usize, bytes: Vec<u8>) -> Result<ModelOutcome, Unmodelled> {
        let len = bytes.len() as u64;
        // Linux returns 0 for an empty write before it looks for readers.
        if len == 0 {
            return Ok(ModelOutcome::Count(0));
        }
        if self.in_transit(p, |c| matches!(c, Pending::Write { .. })) {
            return Err(Unmodelled::Schedule(
                "another process is between the parts of a long write".to_owned(),
            ));
        }
        if self.readers() > 0 && self.write_nonblock {
            // All or nothing up to PIPE_BUF; above it, what fits, EAGAIN when nothing
            // does.
            if len <= self.pipe_buf && !self.fits(bytes.len()) {
                return Ok(ModelOutcome::Error(Errno(libc::EAGAIN)));
            }
            return Ok(match self.put(&bytes, true) {
                0 => ModelOutcome::Error(Errno(libc::EAGAIN)),
                n => ModelOutcome::Count(n as u64),
            });
        }
        Ok(match self.progress_write(p, bytes, 0) {
            Ok(outcome) => outcome,
            Err(pending) => {
                self.processes[p].pending = Some(pending);
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
            return Ok(match self.processes[p].sigpipe {
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
        let n = if atomic && !self.fits(rest.len()) {
            0
        } else {
            self.put(&rest, written == 0)
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
            let readers_waiting = waiting
                .iter()
                .filter(|&&q| !matches!(self.processes[q].pending, Some(Pending::Write { .. })))
                .count();
            if readers_waiting > 1 && !self.data.is_empty() {
                return Err(Unmodelled::Schedule(
                    "two blocked readers and data for one".to_owned(),
                ));
            }
            if waiting.len() - readers_waiting > 1 && self.free_slots() > 0 {
                return Err(Unmodelled::Schedule(
                    "two blocked writers and room for one".to_owned(),
                ));
            }
            let mut moved = false;
            for q in waiting {
                let call = self.processes[q].pending.take().expect("listed as waiting");
                // The kernel wakes a reader for bytes or the last writer gone, a writer
                // for a free buffer or the last reader gone; the others sleep on.
                let woken = match call {
                    Pending::Write { .. } => self.readers() == 0 || self.free_slots() > 0,
                    _ => !self.data.is_empty() || self.writers() == 0,
                };
                if !woken {
                    self.processes[q].pending = Some(call);
                    continue;
                }
                moved = true;
                let next = match call {
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
                let gives_up = match &still {
                    Pending::Write { written, .. } if self.write_nonblock => Some(match written {
                        0 => ModelOutcome::Error(Errno(libc::EAGAIN)),
                        n => ModelOutcome::Count(*n),
                    }),
                    Pending::Write { .. } | Pending::Read(_) => None,
                    _ if self.read_nonblock => Some(ModelOutcome::Error(Errno(libc::EAGAIN))),
                    _ => None,
                };
                match gives_up {
                    Some(outcome) => self.processes[q].completed = Some(outcome),
                    None => self.processes[q].pending = Some(still),
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
        PipeModel::new(&s, &PlatformProfile::LINUX).expect("Linux pipes have a capacity")
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
            ModelOutcome::Bytes(crate::driver::payload_bytes(
                &Payload::Pattern {
                    pattern: crate::scenario::Pattern::Seq,
                    len: Size::Bytes(65537)
                },
                &PlatformProfile::LINUX
            ))
        );
        assert_eq!(apply(&mut m, 1, Action::Await), ModelOutcome::Count(65537));
    }
}
