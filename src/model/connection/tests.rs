//! Unit tests of the connection model: each case replays calls and checks the outcomes
//! Linux gives (the catalogue and the fuzzer check the same against the kernel).

use nix::sys::signal::Signal;
use rstest::rstest;

use super::*;
use crate::model::calls::Callers;
use crate::platform::SocketBuffers;
use crate::scenario::{
    Action, MsgFlag, Payload, Process, ProcessName, Relation, ShutdownHow, SignalName, Size,
};

/// Process 0 serves, processes 1 and 2 are clients; process 2 ignores SIGPIPE and
/// catches SIGUSR1.
fn model(mechanism: Mechanism) -> ConnectionModel {
    model_on(mechanism, &PlatformProfile::LINUX)
}

/// [`model`] under `profile`.
fn model_on(mechanism: Mechanism, profile: &PlatformProfile) -> ConnectionModel {
    let process = |i: usize| Process {
        name: ProcessName(format!("p{i}")),
        relation: Relation::Unrelated,
        keeps: Vec::new(),
        host: None,
        keeps_pair: Vec::new(),
        sigpipe: if i == 2 {
            SigPipe::Ignore
        } else {
            SigPipe::Default
        },
        handles: if i == 2 {
            vec![SignalName(Signal::SIGUSR1)]
        } else {
            Vec::new()
        },
        stdin: crate::scenario::Stdin::DevNull,
    };
    let processes: Vec<Process> = (0..3).map(process).collect();
    ConnectionModel::for_processes(mechanism, &processes, profile)
        .expect("Linux states its listen rules")
}

fn h(name: &str) -> Handle {
    Handle(name.to_owned())
}

fn at(name: &str) -> Address {
    Address {
        name: name.trim_start_matches('@').to_owned(),
        abstract_name: name.starts_with('@'),
    }
}

fn socket(name: &str) -> Action {
    Action::Socket(SocketCall::Socket {
        name: h(name),
        flags: Vec::new(),
    })
}

fn bind(on: &str, to: &str) -> Action {
    Action::Socket(SocketCall::Bind {
        on: h(on),
        to: at(to),
    })
}

fn listen(on: &str, backlog: u32) -> Action {
    Action::Socket(SocketCall::Listen { on: h(on), backlog })
}

fn connect(on: &str, to: &str) -> Action {
    Action::Socket(SocketCall::Connect {
        on: h(on),
        to: at(to),
    })
}

fn accept(on: &str, name: &str) -> Action {
    Action::Socket(SocketCall::Accept {
        on: h(on),
        name: h(name),
        flags: Vec::new(),
    })
}

fn send(on: &str, text: &str) -> Action {
    Action::Socket(SocketCall::Send {
        on: h(on),
        data: Payload::Text(text.to_owned()),
        to: None,
        flags: Vec::new(),
    })
}

fn recv(on: &str, len: u64, flags: &[MsgFlag]) -> Action {
    Action::Socket(SocketCall::Recv {
        on: h(on),
        len: Size::Bytes(len),
        flags: flags.to_vec(),
    })
}

fn close(on: &str) -> Action {
    Action::Socket(SocketCall::Close(h(on)))
}

fn apply(m: &mut ConnectionModel, p: usize, action: Action) -> ModelOutcome {
    m.apply(p, &action, &PlatformProfile::LINUX)
        .unwrap_or_else(|e| panic!("{action:?} is modelled: {e:?}"))
}

fn error(errno: i32) -> ModelOutcome {
    ModelOutcome::Error(Errno(errno))
}

fn bytes(text: &str) -> ModelOutcome {
    ModelOutcome::Bytes(text.as_bytes().to_vec())
}

/// Process 0 listens on `srv` with `backlog`; client 1 connects as `c`, and process 0
/// accepts it as `a`.
fn connected(mechanism: Mechanism, backlog: u32) -> ConnectionModel {
    connected_on(mechanism, backlog, &PlatformProfile::LINUX)
}

/// [`connected`] under `profile`.
fn connected_on(mechanism: Mechanism, backlog: u32, profile: &PlatformProfile) -> ConnectionModel {
    let mut m = model_on(mechanism, profile);
    for action in [socket("l"), bind("l", "srv"), listen("l", backlog)] {
        assert_eq!(apply(&mut m, 0, action), ModelOutcome::Done);
    }
    assert_eq!(apply(&mut m, 1, socket("c")), ModelOutcome::Done);
    assert_eq!(apply(&mut m, 1, connect("c", "srv")), ModelOutcome::Done);
    assert_eq!(apply(&mut m, 0, accept("l", "a")), ModelOutcome::Done);
    m
}

#[rstest]
#[case::path_never_bound("srv", false, libc::ENOENT)]
#[case::path_whose_socket_closed("srv", true, libc::ECONNREFUSED)]
#[case::abstract_name_gone("@srv", true, libc::ECONNREFUSED)]
fn connect_finds_nobody(#[case] to: &str, #[case] bound: bool, #[case] errno: i32) {
    let mut m = model(Mechanism::UnixStream);
    if bound {
        apply(&mut m, 0, socket("l"));
        apply(&mut m, 0, bind("l", to));
        apply(&mut m, 0, listen("l", 1));
        apply(&mut m, 0, close("l"));
    }
    apply(&mut m, 1, socket("c"));
    assert_eq!(apply(&mut m, 1, connect("c", to)), error(errno));
}

#[rstest]
#[case::unix(Mechanism::UnixStream)]
#[case::tcp(Mechanism::Tcp)]
fn a_socket_bound_but_not_listening_refuses(#[case] mechanism: Mechanism) {
    let mut m = model(mechanism);
    apply(&mut m, 0, socket("l"));
    apply(&mut m, 0, bind("l", "srv"));
    apply(&mut m, 1, socket("c"));
    assert_eq!(
        apply(&mut m, 1, connect("c", "srv")),
        error(libc::ECONNREFUSED)
    );
}

#[test]
fn a_full_unix_listener_makes_connect_wait_for_an_accept() {
    let mut m = connected(Mechanism::UnixStream, 0);
    // Backlog 0 holds one connection: the second waits, and an accept lets it in.
    apply(&mut m, 1, socket("c2"));
    assert_eq!(apply(&mut m, 1, connect("c2", "srv")), ModelOutcome::Done);
    apply(&mut m, 2, socket("c3"));
    assert_eq!(apply(&mut m, 2, connect("c3", "srv")), ModelOutcome::Blocks);
    assert_eq!(apply(&mut m, 0, accept("l", "a2")), ModelOutcome::Done);
    assert!(m.finished(2));
    assert_eq!(apply(&mut m, 2, Action::Await), ModelOutcome::Done);
}

#[test]
fn a_full_tcp_listener_is_left_to_the_kernel() {
    let mut m = connected(Mechanism::Tcp, 0);
    apply(&mut m, 1, socket("c2"));
    apply(&mut m, 1, connect("c2", "srv"));
    apply(&mut m, 2, socket("c3"));
    let third = m.apply(2, &connect("c3", "srv"), &PlatformProfile::LINUX);
    assert!(matches!(third, Err(Unmodelled::Schedule(_))), "{third:?}");
}

#[test]
fn accept_takes_the_oldest_connection_and_blocks_on_none() {
    let mut m = connected(Mechanism::UnixStream, 4);
    apply(&mut m, 2, socket("c"));
    apply(&mut m, 2, connect("c", "srv"));
    apply(&mut m, 1, socket("late"));
    apply(&mut m, 1, connect("late", "srv"));
    apply(&mut m, 2, send("c", "from two"));
    assert_eq!(apply(&mut m, 0, accept("l", "b")), ModelOutcome::Done);
    assert_eq!(apply(&mut m, 0, recv("b", 64, &[])), bytes("from two"));
    apply(&mut m, 0, accept("l", "c"));
    assert_eq!(apply(&mut m, 0, accept("l", "d")), ModelOutcome::Blocks);
}

#[test]
fn seqpacket_keeps_records_and_cuts_a_long_one() {
    let mut m = connected(Mechanism::UnixSeqpacket, 1);
    apply(&mut m, 1, send("c", "abcdefgh"));
    apply(&mut m, 1, send("c", "next"));
    let record = |data: &str, truncated| ModelOutcome::Message {
        data: data.as_bytes().to_vec(),
        truncated,
        from: Some(String::new()),
    };
    assert_eq!(
        apply(&mut m, 0, recv("a", 3, &[MsgFlag::Peek])),
        record("abc", true)
    );
    assert_eq!(apply(&mut m, 0, recv("a", 3, &[])), record("abc", true));
    assert_eq!(apply(&mut m, 0, recv("a", 64, &[])), record("next", false));
    // Records from the accepted side carry the listener's address.
    apply(&mut m, 0, send("a", "back"));
    let from_server = ModelOutcome::Message {
        data: b"back".to_vec(),
        truncated: false,
        from: Some("srv".to_owned()),
    };
    assert_eq!(apply(&mut m, 1, recv("c", 64, &[])), from_server);
}

#[rstest]
#[case::unix(Mechanism::UnixStream)]
#[case::tcp(Mechanism::Tcp)]
fn a_close_with_bytes_unread_resets_the_peer(#[case] mechanism: Mechanism) {
    let mut m = connected(mechanism, 1);
    apply(&mut m, 1, send("c", "unread"));
    apply(&mut m, 0, close("a"));
    assert_eq!(
        apply(&mut m, 1, recv("c", 64, &[])),
        error(libc::ECONNRESET)
    );
    assert_eq!(apply(&mut m, 1, recv("c", 64, &[])), bytes(""));
    let killed = ModelOutcome::Killed(SignalName(Signal::SIGPIPE));
    assert_eq!(apply(&mut m, 1, send("c", "z")), killed);
}

#[test]
fn tcp_takes_the_first_send_after_the_peer_closed() {
    let mut m = connected(Mechanism::Tcp, 1);
    apply(&mut m, 1, close("c"));
    assert_eq!(apply(&mut m, 0, recv("a", 16, &[])), bytes(""));
    assert_eq!(apply(&mut m, 0, send("a", "x")), ModelOutcome::Count(1));
    let killed = ModelOutcome::Killed(SignalName(Signal::SIGPIPE));
    assert_eq!(apply(&mut m, 0, send("a", "y")), killed);
}

#[test]
fn tcp_lets_a_send_to_a_closed_peer_go_in_part() {
    let mut m = connected(Mechanism::Tcp, 1);
    apply(&mut m, 1, close("c"));
    assert_eq!(
        apply(&mut m, 0, send("a", "xyz")),
        ModelOutcome::CountBetween(1, 3)
    );
}

#[rstest]
#[case::unix_stream(Mechanism::UnixStream)]
#[case::tcp(Mechanism::Tcp)]
fn sends_past_what_small_buffers_surely_hold_are_left_to_the_kernel(#[case] mechanism: Mechanism) {
    let eight_kib = SocketBuffers {
        send: 8192,
        receive: 8192,
    };
    let small = PlatformProfile::LINUX.with_socket_buffers(eight_kib, false);
    let mut m = connected_on(mechanism, 1, small);
    let record = "x".repeat(255);
    for _ in 0..5 {
        assert_eq!(
            apply(&mut m, 1, send("c", &record)),
            ModelOutcome::Count(255)
        );
    }
    assert!(m.apply(1, &send("c", &record), small).is_err());
}

#[rstest]
#[case::after_a_reset(true)]
#[case::after_both_shut_down_writing(false)]
fn tcp_shutdown_of_a_connection_over_fails_with_enotconn(#[case] reset: bool) {
    let mut m = connected(Mechanism::Tcp, 1);
    let shutdown = |on: &str| {
        Action::Socket(SocketCall::Shutdown {
            on: h(on),
            how: ShutdownHow::Write,
        })
    };
    if reset {
        apply(&mut m, 1, close("c"));
        apply(&mut m, 0, send("a", "x"));
    } else {
        assert_eq!(apply(&mut m, 1, shutdown("c")), ModelOutcome::Done);
        assert_eq!(apply(&mut m, 0, shutdown("a")), ModelOutcome::Done);
    }
    assert_eq!(apply(&mut m, 0, shutdown("a")), error(libc::ENOTCONN));
}

#[test]
fn unix_fails_the_first_send_after_the_peer_closed() {
    let mut m = connected(Mechanism::UnixStream, 1);
    apply(&mut m, 0, close("a"));
    let killed = ModelOutcome::Killed(SignalName(Signal::SIGPIPE));
    assert_eq!(apply(&mut m, 1, send("c", "x")), killed);
}

#[test]
fn seqpacket_fails_a_send_to_a_closed_peer_without_sigpipe() {
    let mut m = connected(Mechanism::UnixSeqpacket, 1);
    apply(&mut m, 0, close("a"));
    assert_eq!(apply(&mut m, 1, send("c", "x")), error(libc::EPIPE));
}

#[test]
fn msg_waitall_waits_for_the_count_and_a_signal_returns_what_came() {
    let mut m = model(Mechanism::UnixStream);
    apply(&mut m, 0, socket("l"));
    apply(&mut m, 0, bind("l", "srv"));
    apply(&mut m, 0, listen("l", 1));
    apply(&mut m, 2, socket("c"));
    apply(&mut m, 2, connect("c", "srv"));
    apply(&mut m, 0, accept("l", "a"));
    let wait_all = [MsgFlag::WaitAll];
    assert_eq!(
        apply(&mut m, 2, recv("c", 8, &wait_all)),
        ModelOutcome::Blocks
    );
    apply(&mut m, 0, send("a", "abc"));
    assert!(!m.finished(2));
    apply(&mut m, 2, Action::Kill(SignalName(Signal::SIGUSR1)));
    assert_eq!(apply(&mut m, 2, Action::Await), bytes("abc"));
}

#[test]
fn a_listener_closed_with_connections_waiting_resets_them() {
    let mut m = model(Mechanism::UnixStream);
    apply(&mut m, 0, socket("l"));
    apply(&mut m, 0, bind("l", "srv"));
    apply(&mut m, 0, listen("l", 1));
    apply(&mut m, 1, socket("c"));
    apply(&mut m, 1, connect("c", "srv"));
    apply(&mut m, 0, close("l"));
    assert_eq!(apply(&mut m, 1, recv("c", 8, &[])), error(libc::ECONNRESET));
    assert_eq!(apply(&mut m, 1, recv("c", 8, &[])), bytes(""));
}

#[test]
fn shutdown_write_gives_the_peer_end_of_file_after_the_bytes() {
    let mut m = connected(Mechanism::Tcp, 1);
    apply(&mut m, 1, send("c", "request"));
    let shutdown = Action::Socket(SocketCall::Shutdown {
        on: h("c"),
        how: ShutdownHow::Write,
    });
    apply(&mut m, 1, shutdown);
    assert_eq!(apply(&mut m, 0, recv("a", 64, &[])), bytes("request"));
    assert_eq!(apply(&mut m, 0, recv("a", 64, &[])), bytes(""));
    assert_eq!(apply(&mut m, 0, send("a", "reply")), ModelOutcome::Count(5));
    assert_eq!(apply(&mut m, 1, recv("c", 64, &[])), bytes("reply"));
}

/// macOS with listen rules as Linux's (its own are another matter): TCP is left to the
/// kernel, whose lo0 delivers segments from the main input thread (`dlil_input_async`),
/// and SOCK_SEQPACKET, which XNU's `localsw` has not, is outside; Unix streams stay.
#[rstest]
#[case::tcp(Mechanism::Tcp, Some(true))]
#[case::seqpacket(Mechanism::UnixSeqpacket, Some(false))]
#[case::unix_stream(Mechanism::UnixStream, None)]
fn outside_on_macos(#[case] mechanism: Mechanism, #[case] scheduled: Option<bool>) {
    let macos = PlatformProfile {
        listen: PlatformProfile::LINUX.listen,
        ..PlatformProfile::MACOS
    };
    let processes: Vec<Process> = Vec::new();
    let made = ConnectionModel::for_processes(mechanism, &processes, &macos);
    let outside = made.err().map(|e| matches!(e, Unmodelled::Schedule(_)));
    assert_eq!(outside, scheduled);
}

#[rstest]
#[case(Mechanism::UnixStream)]
#[case(Mechanism::Tcp)]
fn a_copy_keeps_the_connection_until_it_closes_too(#[case] mechanism: Mechanism) {
    let mut m = connected(mechanism, 4);
    let dup = Action::Socket(SocketCall::Dup {
        on: h("c"),
        name: h("copy"),
    });
    assert_eq!(apply(&mut m, 1, dup), ModelOutcome::Done);
    assert_eq!(apply(&mut m, 1, close("c")), ModelOutcome::Done);
    assert_eq!(
        apply(&mut m, 0, recv("a", 16, &[MsgFlag::DontWait])),
        error(libc::EAGAIN)
    );
    assert_eq!(apply(&mut m, 1, send("copy", "hi")), ModelOutcome::Count(2));
    assert_eq!(apply(&mut m, 0, recv("a", 16, &[])), bytes("hi"));
    assert_eq!(apply(&mut m, 1, close("copy")), ModelOutcome::Done);
    assert_eq!(apply(&mut m, 0, recv("a", 16, &[])), bytes(""));
}
