//! The cells a call on a socket fills: its flags and options, lengths and counts, and
//! the socket's state (connected, its peer closed, unconnected, listening; its queue).

use super::{bytes, fd_flag, flag, poll_event, queue_class, Hit, PROFILE};
use crate::coverage::axes::{ANY, CALLED};
use crate::coverage::Group;
use crate::model::{CallState, Peer};
use crate::scenario::{
    Action, Expectation, Handle, MsgFlag, Scenario, ShutdownHow, SockOpt, SocketCall, SocketFlag,
};

fn link(peer: Peer) -> Option<&'static str> {
    match peer {
        Peer::Present => Some("connected"),
        Peer::Gone => Some("peer closed"),
        Peer::Unconnected => Some("unconnected"),
        Peer::Listening => None,
    }
}

/// The cells `call` fills, meeting `state`, in `scenario`, its step expecting `expect`.
pub(super) fn hits(
    scenario: &Scenario,
    call: &SocketCall,
    state: Option<&CallState>,
    expect: &Expectation,
) -> Vec<Hit> {
    let datagrams = Group::of(scenario.mechanism) == Group::DatagramSockets;
    let queue = state.and_then(|s| s.queue).as_ref().map(queue_class);
    let peer = state.and_then(|s| s.peer);
    let the_socket = peer.and_then(link).map(|c| ("the socket", c));
    let nonblock = state
        .and_then(|s| s.nonblock)
        .map(|on| flag("O_NONBLOCK", on));
    let msg =
        |flags: &[MsgFlag], f: MsgFlag, name: &'static str| Some(flag(name, flags.contains(&f)));
    let sock_flags = |flags: &[SocketFlag]| {
        [
            Some(flag("SOCK_NONBLOCK", flags.contains(&SocketFlag::NonBlock))),
            Some(flag("SOCK_CLOEXEC", flags.contains(&SocketFlag::CloExec))),
        ]
    };
    let hits: Vec<Option<Hit>> = match call {
        SocketCall::Socket { flags, .. } => sock_flags(flags).to_vec(),
        SocketCall::Bind { to, .. } => vec![Some((
            "address",
            if to.abstract_name {
                "an abstract name"
            } else {
                "a path or port"
            },
        ))],
        SocketCall::Listen { backlog, .. } => vec![Some((
            "backlog",
            match backlog {
                0 => "0",
                1 => "1",
                _ => "more than 1",
            },
        ))],
        SocketCall::Accept { flags, .. } => {
            let mut v = sock_flags(flags).to_vec();
            v.push(nonblock);
            v.push(
                state
                    .and_then(|s| s.queue)
                    .map(|q| ("connections waiting", if q.empty { "none" } else { "some" })),
            );
            v
        }
        SocketCall::Connect { .. } => vec![
            peer.map(|p| {
                (
                    "the socket",
                    match p {
                        Peer::Unconnected => "unconnected",
                        _ => "connected",
                    },
                )
            }),
            nonblock,
        ],
        SocketCall::Send {
            data, to, flags, ..
        } => vec![
            bytes(data.len()).map(|n| {
                (
                    "length",
                    match n {
                        0 => "0",
                        n if n < PROFILE.page_size => "1 to PAGE_SIZE-1",
                        _ => "PAGE_SIZE or more",
                    },
                )
            }),
            msg(flags, MsgFlag::DontWait, "MSG_DONTWAIT"),
            msg(flags, MsgFlag::NoSignal, "MSG_NOSIGNAL").filter(|_| !datagrams),
            datagrams.then_some((
                "destination",
                if to.is_some() {
                    "an address (sendto)"
                } else {
                    "the connected peer"
                },
            )),
            queue.map(|c| ("the receiver's queue", c)),
            the_socket,
            nonblock,
        ],
        SocketCall::Recv { len, flags, .. } => {
            let count = bytes(*len).map(|n| {
                let waiting = state.and_then(|s| s.queue).filter(|q| !q.empty);
                (
                    "count",
                    match (n, waiting) {
                        (0, _) => "0",
                        (n, Some(q)) if n < q.len => "fewer than queued",
                        _ => "at least as many as queued",
                    },
                )
            });
            vec![
                count,
                msg(flags, MsgFlag::Peek, "MSG_PEEK"),
                msg(flags, MsgFlag::DontWait, "MSG_DONTWAIT"),
                msg(flags, MsgFlag::WaitAll, "MSG_WAITALL").filter(|_| !datagrams),
                truncation(expect).map(|cut| flag("MSG_TRUNC in msg_flags", cut)),
                queue.map(|c| ("the queue", c)),
                the_socket,
                nonblock,
            ]
        }
        SocketCall::Shutdown { how, .. } => vec![Some((
            "how",
            match how {
                ShutdownHow::Read => "SHUT_RD",
                ShutdownHow::Write => "SHUT_WR",
                ShutdownHow::Both => "SHUT_RDWR",
            },
        ))],
        SocketCall::SendFd { fd, .. } => vec![Some((
            "descriptor passed",
            if makes_pipe_end(scenario, fd) {
                "a pipe end"
            } else {
                "a socket"
            },
        ))],
        SocketCall::SetOption { option, .. } | SocketCall::GetOption { option, .. } => {
            vec![Some(("option", sock_opt(*option)))]
        }
        SocketCall::GetFlag { flag, .. } => vec![Some(("flag", fd_flag(*flag)))],
        SocketCall::Poll { event, .. } => {
            vec![
                Some(("event", poll_event(*event))),
                queue.map(|c| ("the queue", c)),
            ]
        }
        SocketCall::SendUntilFull(_) => vec![the_socket],
        SocketCall::Close(_) => vec![peer.map(|p| ("the socket", link(p).unwrap_or("listening")))],
        // A call that takes nothing that changes what it does.
        _ => vec![Some((CALLED, ANY))],
    };
    hits.into_iter().flatten().collect()
}

/// Whether `handle` is an end of a pipe the scenario makes with the `pipe` socket call.
fn makes_pipe_end(scenario: &Scenario, handle: &Handle) -> bool {
    scenario
        .steps
        .iter()
        .flat_map(|step| &step.actions)
        .any(|(_, action)| {
            matches!(action, Action::Socket(SocketCall::Pipe { read, write })
                if read == handle || write == handle)
        })
}

/// Whether the step expects the datagram or record cut short (MSG_TRUNC), where it says.
fn truncation(expect: &Expectation) -> Option<bool> {
    match expect {
        Expectation::Message(check) => check.truncated,
        Expectation::Platform(p) => p.for_platform(PROFILE.platform).and_then(truncation),
        _ => None,
    }
}

fn sock_opt(option: SockOpt) -> &'static str {
    match option {
        SockOpt::RcvBuf => "SO_RCVBUF",
        SockOpt::SndBuf => "SO_SNDBUF",
        SockOpt::NoSigPipe => "SO_NOSIGPIPE",
        SockOpt::Error => "SO_ERROR",
        SockOpt::Type => "SO_TYPE",
    }
}
