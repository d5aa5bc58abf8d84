//! What every reference model keeps of a process's calls: whether it lives, the signals
//! it catches, the call it is blocked in, and the result of one that blocked (for the
//! `completes` step that awaits it), next to what the model itself keeps of it.

use super::outcome::{Answer, ModelOutcome, Unmodelled};
use crate::platform::PlatformProfile;
use crate::scenario::{Action, Process, SignalName, SocketCall};

/// What [`ReferenceModel`](super::ReferenceModel) asks every model of its processes,
/// answered the same way by each from its callers.
pub(super) trait Callers {
    /// A blocked call, as the model keeps it.
    type Call;
    /// What the model keeps of a process besides its calls.
    type State;

    /// Every process, in the scenario's order.
    fn callers(&self) -> &[Caller<Self::Call, Self::State>];

    /// Every process, to change one.
    fn callers_mut(&mut self) -> &mut [Caller<Self::Call, Self::State>];

    /// How many processes there are.
    fn process_count(&self) -> usize {
        self.callers().len()
    }

    /// Whether process `p` is alive and free to start a call.
    fn idle(&self, p: usize) -> bool {
        self.callers()[p].idle()
    }

    /// Whether process `p` is blocked in a call.
    fn blocked(&self, p: usize) -> bool {
        self.callers()[p].blocked()
    }

    /// Whether a call process `p` blocked in has come to its result.
    fn finished(&self, p: usize) -> bool {
        self.callers()[p].finished()
    }
}

/// [`Callers`] for a model that keeps its processes in its field `processes`, each a
/// `Caller<$call, $state>`.
macro_rules! callers_in_processes {
    ($model:ty, $call:ty, $state:ty) => {
        impl $crate::model::calls::Callers for $model {
            type Call = $call;
            type State = $state;

            fn callers(&self) -> &[$crate::model::calls::Caller<$call, $state>] {
                &self.processes
            }

            fn callers_mut(&mut self) -> &mut [$crate::model::calls::Caller<$call, $state>] {
                &mut self.processes
            }
        }
    };
}
pub(super) use callers_in_processes;

/// A socket as the socket models name it: the process that made it, and the scenario's
/// name for it (unique in the process).
pub(super) type SockId = (usize, String);

/// A model whose processes act through socket calls. Leaving (an exit, or a signal that
/// kills), `completes`, and letting blocked calls go on after every action mean the same
/// in each; what differs is the call itself, what a process's leaving closes, what
/// wakes a blocked call, and what a caught signal makes of one.
pub(super) trait SocketCalls: Callers {
    /// What socket call `call` of process `p` does, before blocked calls go on.
    fn call(&mut self, p: usize, call: &SocketCall, profile: &PlatformProfile) -> Answer;

    /// Process `p` is gone: what it held closes, a call it was blocked in with it.
    fn leave(&mut self, p: usize) -> Result<(), Unmodelled>;

    /// Blocked calls that can now go on, do.
    fn wake(&mut self) -> Result<(), Unmodelled>;

    /// What a caught signal makes of a blocked call.
    fn interrupted(call: Self::Call) -> ModelOutcome;

    /// What `action` of process `p` does; the state moves on.
    fn apply(&mut self, p: usize, action: &Action, profile: &PlatformProfile) -> Answer {
        let outcome = match action {
            Action::Socket(call) => self.call(p, call, profile)?,
            Action::Exit => {
                self.leave(p)?;
                ModelOutcome::Done
            }
            Action::Kill(signal) => {
                if self.callers_mut()[p].signal(*signal, Self::interrupted) {
                    self.leave(p)?;
                }
                ModelOutcome::Done
            }
            Action::Await => self.callers_mut()[p].await_result(),
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        };
        self.wake()?;
        Ok(self.callers_mut()[p].settle(outcome, action))
    }
}

/// One process as a model sees it: `P` is a blocked call, `S` the model's own state of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Caller<P, S> {
    pub(super) alive: bool,
    catches: Vec<SignalName>,
    pub(super) pending: Option<P>,
    pub(super) completed: Option<ModelOutcome>,
    /// What the model keeps of the process besides its calls.
    pub(super) state: S,
}

impl<P, S> Caller<P, S> {
    /// The scenario's `process`, alive and idle, with `state`.
    pub(super) fn new(process: &Process, state: S) -> Self {
        Caller {
            alive: true,
            catches: process.handles.clone(),
            pending: None,
            completed: None,
            state,
        }
    }

    /// Alive and free to start a call: not blocked, and not holding the result of one
    /// that blocked (a `completes` step must take it first).
    pub(super) fn idle(&self) -> bool {
        self.alive && self.pending.is_none() && self.completed.is_none()
    }

    /// Blocked in a call.
    pub(super) fn blocked(&self) -> bool {
        self.alive && self.pending.is_some()
    }

    /// A call it blocked in has come to its result.
    pub(super) fn finished(&self) -> bool {
        self.completed.is_some()
    }

    /// `completes`: the result of the call that blocked, or still blocked.
    pub(super) fn await_result(&mut self) -> ModelOutcome {
        self.completed.take().unwrap_or(ModelOutcome::Blocks)
    }

    /// Whether it catches `signal`.
    pub(super) fn catches(&self, signal: SignalName) -> bool {
        self.catches.contains(&signal)
    }

    /// A signal from the driver: a caught one interrupts a blocked call (`interrupted`
    /// says with what), any other kills the process and ends its call with it. Returns
    /// whether the process died.
    pub(super) fn signal(
        &mut self,
        signal: SignalName,
        interrupted: impl FnOnce(P) -> ModelOutcome,
    ) -> bool {
        let caught = self.catches.contains(&signal);
        self.alive &= caught;
        self.completed = self.pending.take().map(|call| match caught {
            true => interrupted(call),
            false => ModelOutcome::Killed(signal),
        });
        !caught
    }

    /// It ran `exec`: the new program has the default action for every signal it
    /// caught (ignored ones stay ignored, which the models keep apart).
    pub(super) fn forget_handlers(&mut self) {
        self.catches.clear();
    }

    /// What `action`'s `outcome` comes to once the calls it woke have run: a call that
    /// had to wait but that they let finish (a reader that drained a full pipe and let a
    /// blocked writer put the rest in) does not block.
    pub(super) fn settle(&mut self, outcome: ModelOutcome, action: &Action) -> ModelOutcome {
        match (&outcome, action) {
            (ModelOutcome::Blocks, Action::Await) => outcome,
            (ModelOutcome::Blocks, _) => self.completed.take().unwrap_or(outcome),
            _ => outcome,
        }
    }
}
