//! The pipe model's data path: reads and writes as far as the bytes and the room allow
//! (PIPE_BUF atomicity, O_NONBLOCK, SIGPIPE), what `poll()` reports, and the wake-up of
//! blocked calls after a change. It is where the model declines to guess: when two
//! blocked calls could take the same bytes or room, the kernel's scheduling decides.

use super::state::{Descriptor, Pending, PipeModel};
use crate::model::outcome::{Answer, ModelOutcome, Unmodelled};
use crate::scenario::{End, Errno, PollEvent, SigPipe, SignalName};

impl PipeModel {
    /// Whether `poll()` reports `event` on `end`, as Linux does (the model follows
    /// pipes of a fixed capacity only): POLLIN only while bytes are queued, and POLLOUT
    /// only while a PIPE_BUF write fits, whoever holds the other end (fs/pipe.c
    /// `pipe_poll`: a read end without writers adds POLLHUP, a write end without readers
    /// POLLERR, neither the event asked for).
    pub(super) fn ready(&self, end: End, event: PollEvent) -> bool {
        match (end, event) {
            (End::Read, PollEvent::In) => !self.bytes.is_empty(),
            (End::Write, PollEvent::Out) => self.bytes.fits(self.pipe_buf as usize),
            _ => false,
        }
    }

    pub(super) fn read(&mut self, p: usize, call: Pending) -> Answer {
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

    /// Why the model states no outcome for a write of more than PIPE_BUF, where one
    /// made in parts would come out otherwise than the kernel makes it whole: POSIX lets
    /// such a write interleave with other writers' and, without waiting, stop early, so
    /// an implementation may write it as several calls.
    fn parts_could_change(&self, bytes: &[u8], nonblock: bool) -> Option<Unmodelled> {
        let reader_waits = self
            .processes
            .iter()
            .any(|q| matches!(q.pending, Some((Pending::Read(_), _))));
        if reader_waits {
            return Some(Unmodelled::Schedule(
                "a read blocked for a write of more than PIPE_BUF may wake between its parts"
                    .to_owned(),
            ));
        }
        if nonblock && self.bytes.clone().put(bytes, true) > 0 {
            return Some(Unmodelled::Action(
                "the count of a non-blocking write of more than PIPE_BUF, which POSIX leaves \
                 to the implementation (any from 1)"
                    .to_owned(),
            ));
        }
        // Whole, its odd part shares the last buffer; in parts it takes buffers of its
        // own, and what fits afterwards follows from that.
        self.bytes.merges(bytes.len()).then(|| {
            Unmodelled::Action(
                "a write of more than PIPE_BUF into a last buffer with room for its odd \
                 part, which written in parts leaves other room"
                    .to_owned(),
            )
        })
    }

    pub(super) fn write(&mut self, p: usize, bytes: Vec<u8>) -> Answer {
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
        let nonblock = self.descriptions[d].nonblock;
        if len > self.pipe_buf && self.readers() > 0 {
            if let Some(why) = self.parts_could_change(&bytes, nonblock) {
                return Err(why);
            }
        }
        if self.readers() > 0 && nonblock {
            // All or nothing up to PIPE_BUF; above it, EAGAIN when nothing fits.
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
    pub(super) fn wake(&mut self) -> Result<(), Unmodelled> {
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
