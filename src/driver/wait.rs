//! Waiting on an actor, always against a deadline: for its answer, or for the kernel to
//! show it asleep inside its call.
//!
//! No wait here sleeps for a fixed time. Waiting for an answer is a `poll()` on the
//! control socket, which returns the moment the actor writes. Waiting for a block looks
//! at the thread's state between `sched_yield()`s, and after the first few hundred looks
//! in 1 ms `poll()`s on the control socket, so an answer still wakes the driver at once.

use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::clock::now_ns;
use super::control::Reply;
use super::event_log::{CallKind, Event, EventKind, SharedLog};
use super::observe::{self, Evidence};
use super::options::BlockingOracle;
use crate::judge::Observed;
use crate::judge::Outcome;
use crate::scenario::SignalName;

/// Looks spent spinning before the waiter starts to poll in 1 ms slices.
const SPIN_LOOKS: u32 = 200;
/// How long a call that should not block may be seen asleep before it is judged blocked.
const ASLEEP_LIMIT: Duration = Duration::from_millis(200);
/// How often a call that should not block is looked at while the driver waits.
const ASLEEP_LOOK_EVERY: Duration = Duration::from_millis(5);

/// How long a process that hung up its control channel may take to exit before the
/// driver kills it.
const REAP_LIMIT: Duration = Duration::from_secs(1);

/// What one look at an actor's thread shows.
enum Look {
    /// Asleep in its call, with this evidence.
    Asleep(Evidence),
    /// Running, or asleep somewhere else.
    Awake,
    /// The platform gives no view of thread state.
    NoView,
}

/// Without any view of thread state, a call that has not returned after this long is
/// taken as blocked (and the verdict says so).
const NO_VIEW_TIMEOUT: Duration = Duration::from_millis(100);

/// How long the driver waits, before a step, for a call an earlier step woke to answer
/// or fall asleep again; one that keeps running past it (spinning in user space) is left
/// to the expectations that follow.
const SETTLE_LIMIT: Duration = Duration::from_millis(100);

/// What watching an actor in its call came to.
enum Watch {
    /// It answered (the answer is not read yet).
    Answered,
    /// The oracle judged it asleep in its call: how, and the call's start marker.
    Asleep(Evidence, Event),
    /// Neither before the deadline.
    TimedOut,
}

/// The end of a wait for a block.
pub(crate) enum BlockWait {
    /// Asleep in the call.
    Blocked {
        /// How that was decided.
        evidence: Evidence,
        /// From the start marker to the decision.
        latency: Duration,
    },
    /// It returned instead.
    Completed(Observed),
    /// Neither before the deadline.
    TimedOut,
}

/// The end of a wait for an answer.
pub(crate) enum OutcomeWait {
    /// The answer, or the process's death.
    Observed(Observed),
    /// Asleep in the call for longer than a call that should not block may be.
    Asleep(Option<String>),
    /// No answer before the deadline.
    TimedOut,
}

pub(crate) struct Waiter<'a> {
    pub actor: usize,
    pub pid: Pid,
    pub control: &'a mut UnixStream,
    pub log: &'a mut SharedLog,
    pub events: &'a mut Vec<Event>,
    pub oracle: BlockingOracle,
    /// The awaited call is `exec`: its success closes the control socket (close-on-exec)
    /// and leaves the process alive.
    pub exec_expected: bool,
}

impl Waiter<'_> {
    /// Whether the actor has written something (or hung up) without waiting.
    pub fn readable(control: &UnixStream) -> bool {
        poll_in(control, PollTimeout::ZERO)
    }

    /// Wait until one of the actors writes something (or hangs up), or the deadline.
    pub fn wait_any<'c>(controls: impl Iterator<Item = &'c UnixStream>, deadline: Instant) {
        let mut fds: Vec<PollFd<'_>> = controls
            .map(|c| PollFd::new(std::os::fd::AsFd::as_fd(c), PollFlags::POLLIN))
            .collect();
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = nix::poll::poll(
            &mut fds,
            PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX),
        );
    }

    /// Wait for the actor's own exit and say how it went; a process that does not go
    /// within a second is killed.
    pub fn reap(pid: Pid) -> Observed {
        Self::reap_or_kill(pid).0
    }

    /// [`Waiter::reap`], and whether the driver had to kill the process.
    fn reap_or_kill(pid: Pid) -> (Observed, bool) {
        let until = Instant::now() + REAP_LIMIT;
        loop {
            match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(_, code)) => return (Observed::Exited(code), false),
                Ok(WaitStatus::Signaled(_, sig, _)) => {
                    return (Observed::Killed(SignalName(sig)), false)
                }
                Ok(WaitStatus::StillAlive) if Instant::now() < until => {
                    // Dying takes a moment; a poll of nothing waits 1 ms without spinning.
                    let _ = nix::poll::poll(&mut [], PollTimeout::from(1u8));
                }
                Ok(WaitStatus::StillAlive) => {
                    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                    let _ = waitpid(pid, None);
                    let killed = Observed::Killed(SignalName(nix::sys::signal::Signal::SIGKILL));
                    return (killed, true);
                }
                Ok(_) => {}
                Err(_) => return (Observed::Exited(-1), false),
            }
        }
    }

    /// The answer, once the control socket is readable or the process has exited. A
    /// process that exited without a word may have left its socket open in a child it
    /// forked, so the socket is read only when something is there to read.
    fn answer(&mut self) -> Observed {
        if !Self::readable(self.control) {
            return Self::reap(self.pid);
        }
        match Reply::recv(self.control) {
            Ok(Reply::Outcome(o)) => Observed::Outcome(o),
            Err(_) if self.exec_expected && alive(self.pid) => {
                self.until_past_exec();
                Observed::Outcome(Outcome::Done)
            }
            // A hang-up (or garbage) means the process is dying or dead, or it closed
            // its end of the channel and lives on: then the driver kills it, and says so.
            _ => {
                let (how, killed) = Self::reap_or_kill(self.pid);
                if killed {
                    self.note(&format!(
                        "closed its control channel, alive {REAP_LIMIT:?} later: killed"
                    ));
                }
                how
            }
        }
    }

    /// After the control socket closed on `exec`: wait, within [`REAP_LIMIT`], until the
    /// kernel shows the new program making its own calls, so that the other
    /// close-on-exec descriptors are closed too before the next step acts on them (a
    /// FIFO's last writer, say). Where the kernel does not say, at once.
    fn until_past_exec(&self) {
        let until = Instant::now() + REAP_LIMIT;
        while observe::past_exec(self.pid.as_raw()) == Some(false) && Instant::now() < until {
            // Exec takes a moment; a poll of nothing waits 1 ms without spinning.
            let _ = nix::poll::poll(&mut [], PollTimeout::from(1u8));
        }
    }

    /// A line in the actor's lane of the timeline, at the step its pending call began.
    fn note(&mut self, text: &str) {
        self.events.extend(self.log.take_new());
        let step = self
            .events
            .iter()
            .rev()
            .find(|e| e.actor as usize == self.actor)
            .map_or(0, |e| e.step);
        self.log.append(&Event {
            seq: 0,
            kind: EventKind::Gone,
            actor: self.actor as u32,
            step,
            call: super::event_log::CallKind::Other,
            arg: -1,
            time_ns: now_ns(),
            text: text.to_owned(),
        });
    }

    fn start_marker(&mut self, step: usize) -> Option<Event> {
        self.events.extend(self.log.take_new());
        self.events
            .iter()
            .rev()
            .find(|e| {
                e.kind == EventKind::Start
                    && e.actor as usize == self.actor
                    && e.step as usize == step
            })
            .cloned()
    }

    /// One look at the thread: is it asleep in the call the marker announced, and how
    /// sure is that?
    fn look(&self, marker: &Event) -> Look {
        let Some(sample) = observe::sample(self.pid.as_raw()) else {
            return Look::NoView;
        };
        match sample.asleep_in(marker.call, marker.arg) {
            // A semop asleep on the set is counted by the kernel among its waiters: a
            // second witness, read before the verdict.
            Some(true) if marker.call == CallKind::Semop => {
                match observe::semaphore_waiters(marker.arg) {
                    Some(0) => Look::Awake,
                    _ => Look::Asleep(Evidence::KernelCall),
                }
            }
            Some(true) => Look::Asleep(Evidence::KernelCall),
            Some(false) => Look::Awake,
            // The kernel does not say which call: past the marker and not yet answered,
            // a sleeping actor can only be asleep in its call.
            None if sample.asleep => Look::Asleep(Evidence::KernelState),
            None => Look::Awake,
        }
    }

    /// Wait until the kernel shows the actor asleep in its call of `step` on two
    /// consecutive looks, or until it answers, or the deadline.
    pub fn blocked(&mut self, step: usize, deadline: Instant) -> BlockWait {
        match self.watch(step, deadline) {
            Watch::Answered => BlockWait::Completed(self.answer()),
            Watch::Asleep(evidence, marker) => {
                // The kernel's count of a semaphore set's waiters first: the event's
                // text is short, and it is the witness the timeline would lose.
                let counted = (marker.call == CallKind::Semop)
                    .then(|| observe::semaphore_waiters(marker.arg))
                    .flatten()
                    .map(|n| format!("semncnt+semzcnt {n}"));
                let wchan = observe::wait_channel(self.pid.as_raw()).map(|w| format!("wchan {w}"));
                let witnesses: Vec<String> = counted
                    .into_iter()
                    .chain([evidence.to_string()])
                    .chain(wchan)
                    .collect();
                let text = format!("{} [{}]", marker.text, witnesses.join("; "));
                self.log.append(&Event {
                    kind: EventKind::Blocked,
                    text,
                    time_ns: now_ns(),
                    ..marker
                });
                BlockWait::Blocked {
                    evidence,
                    latency: Duration::from_nanos(now_ns() - marker.time_ns),
                }
            }
            Watch::TimedOut => BlockWait::TimedOut,
        }
    }

    /// Wait, at most [`SETTLE_LIMIT`], for a call of `step` that blocked to settle:
    /// answer (the answer is left for the step that awaits it) or be asleep in the call
    /// again, by the kernel's view. A call that an earlier step woke (a writer let put
    /// more into a pipe a reader drained) is still running when that step ends; the next
    /// step must not start before it is done, or what that step sees depends on the
    /// scheduler.
    pub fn settle(&mut self, step: usize) {
        self.watch(step, Instant::now() + SETTLE_LIMIT);
    }

    /// Look at the actor until it answers, or the oracle judges it asleep in its call of
    /// `step`, or the deadline passes.
    fn watch(&mut self, step: usize, deadline: Instant) -> Watch {
        let mut looks = 0u32;
        let mut consecutive = 0u32;
        loop {
            if Self::readable(self.control) || exited(self.pid) {
                return Watch::Answered;
            }
            if let Some(marker) = self.start_marker(step) {
                let waited = Duration::from_nanos(now_ns() - marker.time_ns);
                let verdict = match (self.oracle, self.look(&marker)) {
                    (BlockingOracle::Timeout(after), _) => {
                        (waited >= after).then_some(Evidence::Timeout)
                    }
                    (BlockingOracle::Kernel, Look::Asleep(evidence)) => {
                        consecutive += 1;
                        (consecutive >= 2).then_some(evidence)
                    }
                    (BlockingOracle::Kernel, Look::Awake) => {
                        consecutive = 0;
                        None
                    }
                    // No view of the kernel at all: the weakest evidence.
                    (BlockingOracle::Kernel, Look::NoView) => {
                        (waited >= NO_VIEW_TIMEOUT).then_some(Evidence::Timeout)
                    }
                };
                if let Some(evidence) = verdict {
                    return Watch::Asleep(evidence, marker);
                }
            }
            if Instant::now() >= deadline {
                return Watch::TimedOut;
            }
            looks += 1;
            if looks < SPIN_LOOKS {
                std::thread::yield_now();
            } else {
                poll_in(self.control, PollTimeout::from(1u8));
            }
        }
    }

    /// Wait for the answer to the call of `step`; with the kernel oracle, a call seen
    /// asleep for longer than [`ASLEEP_LIMIT`] is judged blocked rather than waited on.
    pub fn outcome(&mut self, step: usize, deadline: Instant) -> OutcomeWait {
        let mut asleep_since: Option<Instant> = None;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return OutcomeWait::TimedOut;
            }
            let slice = (deadline - now).min(ASLEEP_LOOK_EVERY);
            // A process that exited without hanging up (a child it forked holds its end
            // of the socket) is seen exited at the next slice.
            if poll_in(
                self.control,
                PollTimeout::try_from(slice).unwrap_or(PollTimeout::MAX),
            ) || exited(self.pid)
            {
                return OutcomeWait::Observed(self.answer());
            }
            if self.oracle != BlockingOracle::Kernel {
                continue;
            }
            let asleep = self
                .start_marker(step)
                .is_some_and(|m| matches!(self.look(&m), Look::Asleep(_)));
            match (asleep, asleep_since) {
                (false, _) => asleep_since = None,
                (true, None) => asleep_since = Some(Instant::now()),
                (true, Some(since)) if since.elapsed() >= ASLEEP_LIMIT => {
                    return OutcomeWait::Asleep(observe::wait_channel(self.pid.as_raw()));
                }
                (true, Some(_)) => {}
            }
        }
    }
}

fn alive(pid: Pid) -> bool {
    matches!(
        waitpid(pid, Some(WaitPidFlag::WNOHANG)),
        Ok(WaitStatus::StillAlive)
    )
}

/// Whether the process has exited (a zombie not yet reaped), without reaping it.
#[expect(unsafe_code, reason = "waitid has no safe wrapper on every platform")]
fn exited(pid: Pid) -> bool {
    // SAFETY: siginfo_t is plain data, valid when zeroed, and waitid writes only into it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: WNOWAIT leaves the child waitable; the pointer is to `info`, on our stack.
    let r = unsafe {
        libc::waitid(
            libc::P_PID,
            pid.as_raw() as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    // With WNOHANG and nothing to report, the pid field stays 0.
    // SAFETY: waitid filled `info` (or left it zeroed); si_pid reads a plain field.
    r == 0 && unsafe { info.si_pid() } != 0
}

fn poll_in(control: &UnixStream, timeout: PollTimeout) -> bool {
    let mut fds = [PollFd::new(
        std::os::fd::AsFd::as_fd(control),
        PollFlags::POLLIN,
    )];
    matches!(nix::poll::poll(&mut fds, timeout), Ok(n) if n > 0)
}
