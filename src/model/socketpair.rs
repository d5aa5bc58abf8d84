//! The reference model of a stream socketpair (`socketpair(AF_UNIX, SOCK_STREAM)`):
//! two connected ends, each with its queue of bytes sent to it, held by the processes
//! that inherit them. A receive takes what is queued (a stream keeps no boundaries),
//! waits while the queue is empty and the connection open, and reads end of file once
//! the peer is closed or shut down for writing; a send to a peer that is gone, or after
//! `shutdown(SHUT_WR)`, fails with EPIPE and raises SIGPIPE. Linux carries a shutdown to
//! the peer: `SHUT_RD` on one end is `SHUT_WR` seen from the other.
//!
//! How many bytes a socket buffers depends on the kernel's accounting, so the model
//! stops (says "outside") once more than [`QUEUE_BOUND`] bytes wait in a queue; below
//! that, sends never wait. An end closed with unread bytes resets the peer (Linux), which
//! the model leaves to the kernel too.
//!
//! # References
//! - POSIX XSH `socketpair()`, `send()` (EPIPE and SIGPIPE on a connection shut down
//!   for writing or no longer connected), `recv()` (0 at the orderly shutdown of the
//!   peer; EAGAIN with O_NONBLOCK or MSG_DONTWAIT), `shutdown()`.

use std::collections::VecDeque;

use super::calls::Caller;
use super::outcome::{ModelOutcome, Unmodelled};
use super::PlatformProfile;
use crate::scenario::{
    Action, Errno, Handle, MsgFlag, Process, Relation, ShutdownHow, SigPipe, SignalName, SocketCall,
};

/// The most bytes the model lets wait in one end's queue: far below any socket buffer,
/// so that no send waits.
pub const QUEUE_BOUND: usize = 16 * 1024;

/// One end of the pair.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct End {
    /// Bytes sent to this end, not yet received.
    queue: VecDeque<u8>,
    /// No more bytes will come (the peer shut down writing, or this end reading).
    read_shut: bool,
    /// This end may not send (it shut down writing, or the peer reading).
    write_shut: bool,
    /// O_NONBLOCK of its open file description.
    nonblock: bool,
}

/// What the model keeps of a process besides its calls.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Holder {
    /// How many descriptors of each end it holds.
    holds: [u32; 2],
    sigpipe: SigPipe,
}

/// A process: a receive it is blocked in is the end and the most bytes.
type ProcessState = Caller<(usize, usize), Holder>;

/// A stream socketpair shared by a scenario's processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketPairModel {
    ends: [End; 2],
    processes: Vec<ProcessState>,
}

impl SocketPairModel {
    /// The pair made before the fork, each related process keeping the ends it names.
    pub fn for_processes(processes: &[Process]) -> SocketPairModel {
        SocketPairModel {
            ends: [End::default(), End::default()],
            processes: processes
                .iter()
                .map(|p| {
                    let keeps = |i: usize| {
                        u32::from(
                            p.relation == Relation::Related
                                && p.keeps_pair.iter().any(|h| *h == pair_handle(i)),
                        )
                    };
                    let holds = [keeps(0), keeps(1)];
                    Caller::new(
                        p,
                        Holder {
                            holds,
                            sigpipe: p.sigpipe,
                        },
                    )
                })
                .collect(),
        }
    }

    /// How many processes share the pair.
    pub fn process_count(&self) -> usize {
        self.processes.len()
    }

    /// Whether process `p` holds end `i` (0 left, 1 right).
    pub fn holds(&self, p: usize, i: usize) -> bool {
        self.processes[p].alive && self.processes[p].state.holds[i] > 0
    }

    /// Whether process `p` is alive and free to start a call.
    pub fn idle(&self, p: usize) -> bool {
        self.processes[p].idle()
    }

    /// Whether process `p` is blocked in a call.
    pub fn blocked(&self, p: usize) -> bool {
        self.processes[p].blocked()
    }

    /// Whether a call process `p` blocked in has come to its result.
    pub fn finished(&self, p: usize) -> bool {
        self.processes[p].finished()
    }

    /// Whether any live process holds end `i`.
    fn open(&self, i: usize) -> bool {
        self.processes
            .iter()
            .any(|p| p.alive && p.state.holds[i] > 0)
    }

    /// Whether a receive on end `i` with nothing queued reads end of file.
    fn at_eof(&self, i: usize) -> bool {
        self.ends[i].read_shut || !self.open(1 - i)
    }

    fn end_of(&self, p: usize, on: &Handle) -> Result<usize, Unmodelled> {
        let i = (0..2)
            .find(|&i| pair_handle(i) == *on)
            .ok_or_else(|| Unmodelled::Action(format!("the handle `{on}`")))?;
        if self.processes[p].state.holds[i] == 0 {
            return Err(Unmodelled::Action(format!("a call on `{on}` not held")));
        }
        Ok(i)
    }

    /// What `action` of process `p` does; the state moves on.
    pub fn apply(
        &mut self,
        p: usize,
        action: &Action,
        profile: &PlatformProfile,
    ) -> Result<ModelOutcome, Unmodelled> {
        let outcome = match action {
            Action::Socket(call) => self.call(p, call, profile)?,
            Action::Exit => {
                self.leave(p)?;
                ModelOutcome::Done
            }
            Action::Kill(signal) => {
                let interrupted = |_| ModelOutcome::Error(Errno(libc::EINTR));
                if self.processes[p].signal(*signal, interrupted) {
                    self.leave(p)?;
                }
                ModelOutcome::Done
            }
            Action::Await => self.processes[p].await_result(),
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        };
        self.wake();
        Ok(self.processes[p].settle(outcome, action))
    }

    fn call(
        &mut self,
        p: usize,
        call: &SocketCall,
        profile: &PlatformProfile,
    ) -> Result<ModelOutcome, Unmodelled> {
        Ok(match call {
            SocketCall::Send {
                on,
                data,
                to: None,
                flags,
            } => {
                let i = self.end_of(p, on)?;
                let bytes = crate::driver::payload_bytes(data, profile);
                self.send(p, i, bytes, flags)?
            }
            SocketCall::Recv { on, len, flags } => {
                let i = self.end_of(p, on)?;
                if self
                    .processes
                    .iter()
                    .any(|q| q.alive && q.pending.is_some_and(|(e, _)| e == i))
                {
                    return Err(Unmodelled::Schedule(
                        "another process is blocked receiving on the same end".to_owned(),
                    ));
                }
                let n = profile.resolve(*len).map_err(Unmodelled::Action)? as usize;
                if flags.iter().any(|f| *f != MsgFlag::DontWait) {
                    return Err(Unmodelled::Action("recv flags but MSG_DONTWAIT".to_owned()));
                }
                self.recv(p, i, n, !flags.is_empty())
            }
            SocketCall::Shutdown { on, how } => {
                let i = self.end_of(p, on)?;
                let (read, write) = match how {
                    ShutdownHow::Read => (true, false),
                    ShutdownHow::Write => (false, true),
                    ShutdownHow::Both => (true, true),
                };
                // Linux carries it to the peer: what this end stops, the peer cannot do.
                self.ends[i].read_shut |= read;
                self.ends[i].write_shut |= write;
                self.ends[1 - i].write_shut |= read;
                self.ends[1 - i].read_shut |= write;
                ModelOutcome::Done
            }
            SocketCall::SetNonBlocking { on, enable } => {
                let i = self.end_of(p, on)?;
                if self
                    .processes
                    .iter()
                    .any(|q| q.pending.is_some_and(|(e, _)| e == i))
                {
                    return Err(Unmodelled::Schedule(
                        "O_NONBLOCK changes under a call blocked on the same end".to_owned(),
                    ));
                }
                self.ends[i].nonblock = *enable;
                ModelOutcome::Done
            }
            SocketCall::Close(on) => {
                let i = self.end_of(p, on)?;
                self.processes[p].state.holds[i] -= 1;
                self.check_reset(i)?;
                ModelOutcome::Done
            }
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        })
    }

    /// The process is gone: every descriptor it held closes.
    fn leave(&mut self, p: usize) -> Result<(), Unmodelled> {
        self.processes[p].alive = false;
        self.processes[p].pending = None;
        (0..2).try_for_each(|i| self.check_reset(i))
    }

    /// An end closed for good with bytes unread resets its peer (Linux): left to the
    /// kernel.
    fn check_reset(&self, i: usize) -> Result<(), Unmodelled> {
        if !self.open(i) && !self.ends[i].queue.is_empty() {
            return Err(Unmodelled::Action(
                "an end closed with bytes unread (the peer is reset)".to_owned(),
            ));
        }
        Ok(())
    }

    fn send(
        &mut self,
        p: usize,
        i: usize,
        bytes: Vec<u8>,
        flags: &[MsgFlag],
    ) -> Result<ModelOutcome, Unmodelled> {
        if flags.iter().any(|f| *f != MsgFlag::NoSignal) {
            return Err(Unmodelled::Action("send flags but MSG_NOSIGNAL".to_owned()));
        }
        if self.ends[i].write_shut || !self.open(1 - i) {
            let quiet = !flags.is_empty() || self.processes[p].state.sigpipe == SigPipe::Ignore;
            if quiet {
                return Ok(ModelOutcome::Error(Errno(libc::EPIPE)));
            }
            self.leave(p)?;
            return Ok(ModelOutcome::Killed(SignalName(
                nix::sys::signal::Signal::SIGPIPE,
            )));
        }
        let peer = &mut self.ends[1 - i];
        if peer.queue.len() + bytes.len() > QUEUE_BOUND {
            return Err(Unmodelled::Action(format!(
                "more than {QUEUE_BOUND} bytes waiting in a socket"
            )));
        }
        peer.queue.extend(&bytes);
        Ok(ModelOutcome::Count(bytes.len() as u64))
    }

    /// One receive of at most `n` bytes; Linux waits for a byte even when `n` is 0.
    fn recv(&mut self, p: usize, i: usize, n: usize, dont_wait: bool) -> ModelOutcome {
        if !self.ends[i].queue.is_empty() || self.at_eof(i) {
            return ModelOutcome::Bytes(self.take(i, n));
        }
        if dont_wait || self.ends[i].nonblock {
            return ModelOutcome::Error(Errno(libc::EAGAIN));
        }
        self.processes[p].pending = Some((i, n));
        ModelOutcome::Blocks
    }

    fn take(&mut self, i: usize, n: usize) -> Vec<u8> {
        let queue = &mut self.ends[i].queue;
        let n = n.min(queue.len());
        queue.drain(..n).collect()
    }

    /// Blocked receives take what came (one per end: a second is refused as a race).
    fn wake(&mut self) {
        for q in 0..self.processes.len() {
            let Some((i, n)) = self.processes[q].pending else {
                continue;
            };
            if self.processes[q].alive && (!self.ends[i].queue.is_empty() || self.at_eof(i)) {
                self.processes[q].pending = None;
                self.processes[q].completed = Some(ModelOutcome::Bytes(self.take(i, n)));
            }
        }
    }
}

/// The scenario's name of end `i` of the pair.
fn pair_handle(i: usize) -> Handle {
    Handle(Handle::PAIR[i].to_owned())
}
