//! Plans for a socketpair: a pipe's moves on the pair's two ends, and its ends passed
//! over it with SCM_RIGHTS, then used or closed where they came. Built by
//! [`build`](super::build), with [`pair_action_for`] turning each move into a socket call.

use proptest::prelude::*;

use super::plan::{end, op, payload, plans_of, Op, Plan, SizeClass};
use crate::model::ReferenceModel;
use crate::platform::PlatformProfile;
use crate::scenario::{Action, End, Handle, Size, SocketCall};

/// The moves of a socketpair's plans: a pipe's, and passing the pair's descriptors over
/// it with SCM_RIGHTS, then using or closing what came.
fn pair_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => op(),
        2 => (end(), end()).prop_map(|(on, passed)| Op::Pass(on, passed)),
        2 => end().prop_map(Op::Take),
        5 => use_received(),
    ]
}

/// A write, a read or a close of the descriptor received last.
fn use_received() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (1u8..=8).prop_map(Op::WriteReceived),
        2 => (1u8..=8).prop_map(Op::ReadReceived),
        1 => Just(Op::CloseReceived),
    ]
}

/// Plans for a socketpair: as [`plans`](super::plans), with descriptors passed over the pair. Half
/// begin with a hand-over: one process sends an end's descriptor, another receives it
/// on the other end and uses or closes it (shrinking drops those moves like any other),
/// since random moves seldom meet in that order.
pub fn pair_plans(max_processes: usize, max_moves: usize) -> impl Strategy<Value = Plan> {
    let most = max_processes.max(2);
    let hand_over = prop::option::of((0..most, 0..most, end(), end(), use_received()));
    (hand_over, plans_of(pair_op(), max_processes, max_moves)).prop_map(|(hand_over, mut plan)| {
        if let Some((from, to, on, passed, then)) = hand_over {
            let other = match on {
                End::Read => End::Write,
                _ => End::Read,
            };
            let start = [
                (from, Op::Pass(on, passed)),
                (to, Op::Take(other)),
                (to, then),
            ];
            plan.moves.splice(0..0, start);
        }
        plan
    })
}

/// The socket call a move stands for on a socketpair, if the process holds its end: reads
/// receive on `left` when held (else `right`), writes send on `right` when held (else
/// `left`), so that bytes cross the pair both ways.
pub(super) fn pair_action_for(
    model: &ReferenceModel,
    p: usize,
    op: Op,
    profile: &PlatformProfile,
) -> Option<Action> {
    let held = |e: End| {
        model
            .holds(p, e)
            .then(|| Handle::pair(usize::from(e == End::Write)))
    };
    let either = |first: End, second: End| held(first).or_else(|| held(second));
    let size = |c: SizeClass| c.size(profile).filter(|s| profile.resolve(*s).is_ok());
    let small = |c: SizeClass| matches!(c, SizeClass::Small(_));
    Some(Action::Socket(match op {
        Op::Read(c) => SocketCall::Recv {
            on: either(End::Read, End::Write)?,
            len: size(c)?,
            flags: Vec::new(),
        },
        // Sends stay far below what a socket buffers, so that none waits.
        Op::Write(c) if small(c) => SocketCall::Send {
            on: either(End::Write, End::Read)?,
            data: payload(p, profile.resolve(size(c)?).ok()?),
            to: None,
            flags: Vec::new(),
        },
        Op::Close(e) => SocketCall::Close(held(e)?),
        Op::NonBlocking(e, enable) => SocketCall::SetNonBlocking {
            on: held(e)?,
            enable,
        },
        Op::Shutdown(e, how) => SocketCall::Shutdown { on: held(e)?, how },
        Op::Pass(on, passed) => SocketCall::SendFd {
            on: held(on)?,
            fd: held(passed)?,
        },
        Op::Take(on) => SocketCall::RecvFd {
            on: held(on)?,
            name: model.next_received(p)?,
        },
        Op::WriteReceived(n) => SocketCall::Send {
            on: model.received(p)?,
            data: payload(p, u64::from(n)),
            to: None,
            flags: Vec::new(),
        },
        Op::ReadReceived(n) => SocketCall::Recv {
            on: model.received(p)?,
            len: Size::Bytes(u64::from(n)),
            flags: Vec::new(),
        },
        Op::CloseReceived => SocketCall::Close(model.received(p)?),
        Op::Exit => return Some(Action::Exit),
        _ => return None,
    }))
}
