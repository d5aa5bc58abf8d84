//! The scenario a plan comes to on a pipe, a FIFO or a socketpair: [`build`] replays the
//! plan's moves through the reference model and keeps those the state allows. A pipe's
//! and a FIFO's moves become calls here ([`action_for`]); a socketpair's become socket
//! calls in [`super::pairs`]. This sits apart from the plan's types so that the plan
//! imports neither family, and each family's module imports the plan.

use super::pairs::pair_action_for;
use super::plan::{payload, Op, Plan, Recorder, SizeClass};
use crate::mechanism::Capability;
use crate::model::ReferenceModel;
use crate::platform::PlatformProfile;
use crate::scenario::{
    Action, End, Handle, Mechanism, OpenFlag, Process, ProcessName, Relation, Scenario, SigPipe,
    Stdin,
};

/// The scenario a plan comes to on a pipe or FIFO under `profile`: each move the state
/// and the implementation's `capabilities` allow, with the model's outcome as its
/// expectation; a call that blocked is awaited once the model says it finished, and one
/// still blocked at the end is killed. A pipe's or socketpair's processes inherit the
/// ends the plan says; a FIFO's are unrelated and open it.
pub fn build(
    plan: &Plan,
    mechanism: Mechanism,
    profile: &PlatformProfile,
    capabilities: &[Capability],
    id: &str,
) -> Option<Scenario> {
    let fifo = mechanism == Mechanism::Fifo;
    let processes: Vec<Process> = plan
        .processes
        .iter()
        .enumerate()
        .map(|(i, p)| Process {
            name: ProcessName(format!("p{i}")),
            relation: if fifo {
                Relation::Unrelated
            } else {
                Relation::Related
            },
            keeps: [(p.reads, End::Read), (p.writes, End::Write)]
                .iter()
                .filter(|(k, _)| *k && mechanism == Mechanism::Pipe)
                .map(|(_, e)| *e)
                .collect(),
            host: None,
            keeps_pair: [(p.reads, 0), (p.writes, 1)]
                .iter()
                .filter(|(k, _)| *k && mechanism == Mechanism::Socketpair)
                .map(|(_, i)| Handle::pair(*i))
                .collect(),
            sigpipe: if p.ignores_sigpipe {
                SigPipe::Ignore
            } else {
                SigPipe::Default
            },
            handles: Vec::new(),
            stdin: Stdin::DevNull,
        })
        .collect();
    let mut recorder = Recorder::new(mechanism, &processes, profile, capabilities)?;
    for &(p, op) in &plan.moves {
        if p >= plan.processes.len() {
            continue;
        }
        let model = recorder.model();
        let action = match mechanism {
            Mechanism::Socketpair => pair_action_for(model, p, op, profile),
            _ => action_for(model, p, op, fifo, profile),
        };
        // What survives an exec is what lacks FD_CLOEXEC, which the model knows only
        // of an implementation that declares it sets that flag as asked (some set it on
        // every descriptor, on purpose).
        let execs = matches!(action, Some(Action::Exec));
        if execs && !capabilities.contains(&Capability::CloseOnExec) {
            continue;
        }
        if let Some(action) = action {
            recorder.take(p, action);
        }
    }
    let reference = match mechanism {
        Mechanism::Socketpair => {
            "POSIX XSH socketpair(), send(), recv(), sendmsg() and recvmsg() with SCM_RIGHTS, \
             shutdown(), close(): as the reference model (src/model/socketpair.rs) states them"
        }
        _ => {
            "POSIX XSH pipe(), mkfifo(), open(), read(), write(), close(), fcntl(): as the \
             reference model (src/model/pipe/) states them"
        }
    };
    recorder.finish(id, mechanism, reference, &processes, 1)
}

/// The action a move stands for in this state, if the process holds what it needs.
fn action_for(
    model: &ReferenceModel,
    p: usize,
    op: Op,
    fifo: bool,
    profile: &PlatformProfile,
) -> Option<Action> {
    let holds = |e| model.holds(p, e);
    let size = |c: SizeClass| c.size(profile).filter(|s| profile.resolve(*s).is_ok());
    Some(match op {
        Op::Read(c) if holds(End::Read) => Action::Read(size(c)?),
        Op::ReadToEnd if holds(End::Read) => Action::ReadToEnd,
        Op::Write(c) if holds(End::Write) => {
            Action::Write(payload(p, profile.resolve(size(c)?).ok()?))
        }
        Op::Close(e) | Op::Dup(e) if holds(e) => match op {
            Op::Close(_) => Action::Close(e),
            _ => Action::Dup(e),
        },
        Op::NonBlocking(e, on) if holds(e) => Action::SetNonBlocking { end: e, on },
        Op::CloExec(e) if holds(e) => Action::SetCloExec(e),
        Op::Exit => Action::Exit,
        Op::Exec => Action::Exec,
        Op::Open(mode, nonblock, cloexec) if fifo => Action::Open {
            mode,
            flags: [(nonblock, OpenFlag::NonBlock), (cloexec, OpenFlag::CloExec)]
                .into_iter()
                .filter_map(|(on, flag)| on.then_some(flag))
                .collect(),
        },
        Op::Unlink if fifo => Action::Unlink,
        _ => return None,
    })
}
