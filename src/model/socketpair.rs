//! The reference model of a stream socketpair (`socketpair(AF_UNIX, SOCK_STREAM)`):
//! two connected ends held by the processes that inherit them. An end is closed for
//! good once no live process holds a descriptor of it; the bytes, end of file, EPIPE and
//! SIGPIPE, shutdowns and resets are the Unix stream data path of [`super::stream`].
//!
//! # References
//! - POSIX XSH `socketpair()`, `send()`, `recv()`, `shutdown()`.

use super::calls::Caller;
use super::outcome::{ModelOutcome, Unmodelled};
use super::stream::{Receive, Stream, Transport};
use super::PlatformProfile;
use crate::scenario::{Action, Handle, MsgFlag, Process, Relation, SigPipe, SocketCall};

/// What the model keeps of a process besides its calls.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Holder {
    /// How many descriptors of each end it holds.
    holds: [u32; 2],
    sigpipe: SigPipe,
}

/// A process: a receive it is blocked in is the end and the receive.
type ProcessState = Caller<(usize, Receive), Holder>;

/// A stream socketpair shared by a scenario's processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketPairModel {
    stream: Stream,
    /// O_NONBLOCK of each end's open file description.
    nonblock: [bool; 2],
    processes: Vec<ProcessState>,
}

impl SocketPairModel {
    /// The pair made before the fork, each related process keeping the ends it names;
    /// an end nobody keeps is closed from the start.
    pub fn for_processes(processes: &[Process]) -> Result<SocketPairModel, Unmodelled> {
        let mut model = SocketPairModel {
            stream: Stream::new(Transport::UnixStream),
            nonblock: [false; 2],
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
        };
        model.close_unheld()?;
        Ok(model)
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

    /// Close for good every end no live process holds any more.
    fn close_unheld(&mut self) -> Result<(), Unmodelled> {
        for i in 0..2 {
            let held = (0..self.processes.len()).any(|p| self.holds(p, i));
            if self.stream.is_open(i) && !held {
                self.stream.close(i)?;
            }
        }
        Ok(())
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

    /// Whether a process is blocked receiving on end `i`.
    fn receiving(&self, i: usize) -> bool {
        self.processes
            .iter()
            .any(|q| q.alive && q.pending.as_ref().is_some_and(|(e, _)| *e == i))
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
                if self.processes[p].signal(*signal, |(_, r)| r.interrupted()) {
                    self.leave(p)?;
                }
                ModelOutcome::Done
            }
            Action::Await => self.processes[p].await_result(),
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        };
        self.wake()?;
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
                if flags.iter().any(|f| *f != MsgFlag::NoSignal) {
                    return Err(Unmodelled::Action("send flags but MSG_NOSIGNAL".to_owned()));
                }
                let bytes = crate::driver::payload_bytes(data, profile);
                let quiet = !flags.is_empty() || self.processes[p].state.sigpipe == SigPipe::Ignore;
                let outcome = self.stream.send(i, bytes, quiet)?;
                if matches!(outcome, ModelOutcome::Killed(_)) {
                    self.leave(p)?;
                }
                outcome
            }
            SocketCall::Recv { on, len, flags } => {
                let i = self.end_of(p, on)?;
                if self.receiving(i) {
                    return Err(Unmodelled::Schedule(
                        "another process is blocked receiving on the same end".to_owned(),
                    ));
                }
                let n = profile.resolve(*len).map_err(Unmodelled::Action)? as usize;
                let (mut receive, dont_wait) = Receive::new(n, flags)?;
                let may_wait = !dont_wait && !self.nonblock[i];
                match self.stream.recv(i, &mut receive, may_wait)? {
                    Some(outcome) => outcome,
                    None => {
                        self.processes[p].pending = Some((i, receive));
                        ModelOutcome::Blocks
                    }
                }
            }
            SocketCall::Shutdown { on, how } => {
                let i = self.end_of(p, on)?;
                self.stream.shutdown(i, *how)?
            }
            SocketCall::SetNonBlocking { on, enable } => {
                let i = self.end_of(p, on)?;
                if self.receiving(i) {
                    return Err(Unmodelled::Schedule(
                        "O_NONBLOCK changes under a call blocked on the same end".to_owned(),
                    ));
                }
                self.nonblock[i] = *enable;
                ModelOutcome::Done
            }
            SocketCall::Close(on) => {
                let i = self.end_of(p, on)?;
                self.processes[p].state.holds[i] -= 1;
                self.close_unheld()?;
                ModelOutcome::Done
            }
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        })
    }

    /// The process is gone: every descriptor it held closes.
    fn leave(&mut self, p: usize) -> Result<(), Unmodelled> {
        self.processes[p].alive = false;
        self.processes[p].pending = None;
        self.close_unheld()
    }

    /// Blocked receives take what came (one per end: a second is refused as a race).
    fn wake(&mut self) -> Result<(), Unmodelled> {
        for q in 0..self.processes.len() {
            let caller = &mut self.processes[q];
            let Some((i, receive)) = caller.pending.as_mut().filter(|_| caller.alive) else {
                continue;
            };
            if let Some(outcome) = self.stream.recv(*i, receive, true)? {
                caller.pending = None;
                caller.completed = Some(outcome);
            }
        }
        Ok(())
    }
}

/// The scenario's name of end `i` of the pair.
fn pair_handle(i: usize) -> Handle {
    Handle(Handle::PAIR[i].to_owned())
}
