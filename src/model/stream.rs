//! The data path of one connection, shared by the socketpair model and the model of
//! sockets reached by address: two ends, each with what was sent to it and not yet
//! received, end of file once the peer is gone or shut down writing, a send that cannot
//! go (EPIPE, SIGPIPE), a reset when an end goes with bytes unread, and receives that
//! take what came, wait for it, or wait for the whole count (MSG_WAITALL).
//!
//! The kinds of connection differ in what the peer's going does, which [`Transport`]
//! says. A Unix stream carries a close to the peer at once: both of the peer's
//! directions end, and a close with bytes unread leaves ECONNRESET for the peer's next
//! receive (Linux `unix_release_sock`). A seqpacket connection keeps each send as a
//! record and fails a send the peer cannot take with EPIPE but raises no SIGPIPE
//! (Linux). TCP on loopback sends FIN on close: the peer reads end of file, its first
//! send after that is taken and answered with RST, and only later sends fail; a close
//! with bytes unread sends RST instead, leaving an error for the peer's next call.
//!
//! A receive's bytes are what the stream delivers to it, up to its count, not what
//! one `recv()` returns: POSIX lets a receive on a stream return fewer bytes than are
//! queued (at least one), and a receive blocked for bytes return with the first piece of
//! a send made in pieces. So a step that expects the model's bytes names them, and is
//! judged on them whatever pieces they come in: the driver reads on until the count the
//! step names, and a peek, which takes nothing, may see only their start. A `read()` of
//! a descriptor received over a socketpair is judged on its one call, so the socketpair
//! model lets no send in pieces meet one blocked for bytes ([`Receive::alone`]).
//!
//! How many bytes a socket buffers depends on the kernel's accounting, so a connection
//! stops (says "outside") once more than [`QUEUE_BOUND`] bytes or [`RECORDS_BOUND`]
//! sends wait at one end, or more than the run's socket buffers surely hold
//! ([`Room`]); below that, sends never wait.
//!
//! # References
//! - POSIX XSH `send()` (EPIPE and SIGPIPE on a connection shut down for writing or no
//!   longer connected), `recv()` (0 at the peer's orderly shutdown; EAGAIN with
//!   O_NONBLOCK or MSG_DONTWAIT; MSG_PEEK; MSG_WAITALL waits for the full count unless a
//!   signal, an error or the end of the stream comes first; a record longer than the
//!   buffer is cut, MSG_TRUNC), `shutdown()`; XSH 2.10.6 (SOCK_SEQPACKET keeps record
//!   boundaries).
//! - Linux `net/unix/af_unix.c` (`unix_release_sock`, `unix_stream_read_generic`) and
//!   `net/ipv4/tcp_input.c` (`tcp_reset`: ECONNRESET, or EPIPE once FIN came).

use std::collections::VecDeque;

use nix::sys::signal::Signal;

use super::outcome::{Answer, ModelOutcome, Unmodelled};
use super::room::Room;
use crate::platform::UnixStreamRules;
use crate::scenario::{Errno, MsgFlag, ShutdownHow, SignalName};

/// The most bytes the model lets wait at one end: far below any socket buffer, so that
/// no send waits.
pub const QUEUE_BOUND: usize = 16 * 1024;

/// The most sends the model lets wait at one end, records or pieces of a stream: each
/// is a buffer of its own in the kernel, which costs far more than its bytes.
pub const RECORDS_BOUND: usize = 16;

/// What kind of connection it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Transport {
    /// `AF_UNIX` `SOCK_STREAM`, and stream socketpairs.
    UnixStream,
    /// `AF_UNIX` `SOCK_SEQPACKET`.
    UnixSeqpacket,
    /// TCP over the loopback interface.
    Tcp,
}

/// One end of the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
struct End {
    /// What was sent to this end and not yet received, one entry per send (a record,
    /// on a seqpacket connection; a stream joins them).
    queue: VecDeque<Vec<u8>>,
    /// No more bytes will come (the peer shut down writing or went, or this end shut
    /// down reading).
    read_shut: bool,
    /// This end may not send.
    write_shut: bool,
    /// TCP: the peer's FIN came, so end of file is reported before any error.
    fin: bool,
    /// TCP: the connection is over for this end (TCP_CLOSE): a reset came, or FINs
    /// went both ways (the socket hands over to TIME_WAIT, or LAST_ACK is acknowledged
    /// at once on loopback).
    done: bool,
    /// A descriptor still refers to it.
    open: bool,
    /// The error (`sk_err`) the next call that looks reports once.
    error: Option<Errno>,
    /// The address a receiver of this end's records reports as their sender; empty when
    /// unnamed.
    name: String,
}

impl End {
    fn new() -> End {
        End {
            queue: VecDeque::new(),
            read_shut: false,
            write_shut: false,
            fin: false,
            done: false,
            open: true,
            error: None,
            name: String::new(),
        }
    }

    fn queued(&self) -> usize {
        self.queue.iter().map(Vec::len).sum()
    }
}

/// A receive under way: how much it asks for, its flags, the bytes MSG_WAITALL took
/// while it waited for the rest (the kernel takes them off the queue as they come),
/// whether it has waited, and whether it is judged on its one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Receive {
    len: usize,
    peek: bool,
    wait_all: bool,
    got: Vec<u8>,
    waited: bool,
    /// Nothing reads on for the rest of its count: a `read()` of a descriptor received
    /// over the socket, which is the kernel's, not the implementation's.
    alone: bool,
}

impl Receive {
    /// A receive of at most `len` bytes with `flags`, and whether MSG_DONTWAIT says not
    /// to wait.
    pub(super) fn new(len: usize, flags: &[MsgFlag]) -> Result<(Receive, bool), Unmodelled> {
        let has = |f| flags.contains(&f);
        if has(MsgFlag::NoSignal) {
            return Err(Unmodelled::Action("MSG_NOSIGNAL on a receive".to_owned()));
        }
        if has(MsgFlag::Peek) && has(MsgFlag::WaitAll) {
            return Err(Unmodelled::Action(
                "MSG_PEEK with MSG_WAITALL (the kernel peeks again from the start)".to_owned(),
            ));
        }
        let receive = Receive {
            len,
            peek: has(MsgFlag::Peek),
            wait_all: has(MsgFlag::WaitAll),
            got: Vec::new(),
            waited: false,
            alone: false,
        };
        Ok((receive, has(MsgFlag::DontWait)))
    }

    /// The receive, judged on its one call: nothing reads on for the rest of its count.
    pub(super) fn alone(self) -> Receive {
        Receive {
            alone: true,
            ..self
        }
    }

    /// Whether, blocked until a send of several bytes made in pieces, it may return
    /// with the first piece only, and be judged on that: POSIX lets a receive on a
    /// stream return fewer bytes than asked for once it has one, and an implementation
    /// send a stream's bytes in pieces, so how many it gets is the implementation's.
    pub(super) fn may_wake_short(&self) -> bool {
        self.alone && !self.peek && !self.wait_all && self.len > 1
    }

    /// Whether it peeks (MSG_PEEK): it takes nothing off the queue.
    pub(super) fn peeks(&self) -> bool {
        self.peek
    }

    /// Whether, met by a byte that carries descriptors, it ends with that byte as the
    /// model says: a receive of nothing or with MSG_WAITALL does otherwise on Linux
    /// (the descriptors go, the byte stays; or the receive ends early), which the
    /// model does not follow. A peek leaves everything.
    pub(super) fn stops_after_descriptor(&self) -> bool {
        self.peek || (self.len > 0 && !self.wait_all)
    }

    /// What a signal that interrupts the wait comes to: the bytes MSG_WAITALL took so
    /// far, or EINTR.
    pub(super) fn interrupted(self) -> ModelOutcome {
        match self.got.is_empty() {
            true => ModelOutcome::Error(Errno(libc::EINTR)),
            false => ModelOutcome::Bytes(self.got),
        }
    }
}

/// One connection's two ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Stream {
    transport: Transport,
    /// What a Unix connection does where the platforms part (TCP's are Linux's).
    rules: UnixStreamRules,
    /// What the sockets surely hold.
    room: Room,
    ends: [End; 2],
}

impl Stream {
    /// A new connection, both ends open and empty, on a platform whose Unix streams
    /// follow `rules`, between sockets that hold `room`.
    pub(super) fn new(transport: Transport, rules: UnixStreamRules, room: Room) -> Stream {
        Stream {
            transport,
            rules,
            room,
            ends: [End::new(), End::new()],
        }
    }

    /// Name end `i` as its records' sender.
    pub(super) fn name_end(&mut self, i: usize, name: String) {
        self.ends[i].name = name;
    }

    /// Whether end `i` still has a descriptor.
    pub(super) fn is_open(&self, i: usize) -> bool {
        self.ends[i].open
    }

    /// How many bytes wait at end `i`.
    pub(super) fn queued(&self, i: usize) -> usize {
        self.ends[i].queued()
    }

    /// A send of `bytes` from end `i`; `quiet` when MSG_NOSIGNAL or an ignored SIGPIPE
    /// spares the sender. `Killed(SIGPIPE)` means the sender dies.
    pub(super) fn send(&mut self, i: usize, bytes: Vec<u8>, quiet: bool) -> Answer {
        let broken = match quiet {
            true => ModelOutcome::Error(Errno(libc::EPIPE)),
            false => ModelOutcome::Killed(SignalName(Signal::SIGPIPE)),
        };
        let peer = 1 - i;
        match self.transport {
            Transport::UnixStream if self.ends[i].write_shut => return Ok(broken),
            Transport::UnixSeqpacket if bytes.is_empty() => {
                return Err(Unmodelled::Action(
                    "an empty record, which reads as end of file".to_owned(),
                ))
            }
            // Linux fails it without a signal (unix_dgram_sendmsg), unlike a stream.
            Transport::UnixSeqpacket if self.ends[i].write_shut || !self.ends[peer].open => {
                return Ok(ModelOutcome::Error(Errno(libc::EPIPE)))
            }
            Transport::Tcp => {
                if let Some(error) = self.ends[i].error.take() {
                    return Ok(match error == Errno(libc::EPIPE) {
                        true => broken,
                        false => ModelOutcome::Error(error),
                    });
                }
                if self.ends[i].write_shut {
                    return Ok(broken);
                }
                if !self.ends[peer].open && !bytes.is_empty() {
                    // The closed peer answers the segment with RST (an empty send
                    // sends none): the connection is gone, and the error it leaves
                    // (EPIPE after FIN) is one later sends report anyway and receives
                    // never see. Linux takes the whole send in that one segment, but a
                    // sender that goes in pieces is cut short when the reset arrives
                    // between them, and POSIX lets it return what went.
                    let end = &mut self.ends[i];
                    end.read_shut = true;
                    end.write_shut = true;
                    end.done = true;
                    return Ok(match bytes.len() as u64 {
                        1 => ModelOutcome::Count(1),
                        n => ModelOutcome::CountBetween(1, n),
                    });
                }
            }
            _ => {}
        }
        let to = &mut self.ends[peer];
        if to.queued() + bytes.len() > QUEUE_BOUND || to.queue.len() >= RECORDS_BOUND {
            return Err(Unmodelled::Action(format!(
                "more than {QUEUE_BOUND} bytes or {RECORDS_BOUND} sends waiting in a socket"
            )));
        }
        let waiting = to.queue.iter().map(Vec::len);
        if !self.room.holds(waiting.chain([bytes.len()])) {
            return Err(Unmodelled::Action(format!(
                "more sends waiting in a socket than {} surely hold",
                self.room.describe()
            )));
        }
        let len = bytes.len() as u64;
        if !bytes.is_empty() || self.transport == Transport::UnixSeqpacket {
            to.queue.push_back(bytes);
        }
        Ok(ModelOutcome::Count(len))
    }

    /// Receive on end `i`, or carry on a receive that waited: its outcome, or `None`
    /// while it must wait (`may_wait`: neither O_NONBLOCK nor MSG_DONTWAIT).
    pub(super) fn recv(
        &mut self,
        i: usize,
        receive: &mut Receive,
        may_wait: bool,
    ) -> Result<Option<ModelOutcome>, Unmodelled> {
        if self.transport == Transport::UnixSeqpacket {
            return self.recv_record(i, receive, may_wait);
        }
        let end = &mut self.ends[i];
        let stopped = end.fin || end.error.is_some() || end.read_shut;
        if self.transport == Transport::UnixStream
            && receive.len == 0
            && !self.rules.empty_recv_waits
            && end.queued() == 0
            && !stopped
        {
            return Err(Unmodelled::Action(
                "a receive into 0 bytes with nothing queued, which returns at once here".to_owned(),
            ));
        }
        // Linux's TCP loop ends on the first wake when asked for no byte: 0, whatever
        // woke it, and an error stays pending.
        if self.transport == Transport::Tcp && receive.len == 0 && receive.waited {
            return Ok((end.queued() > 0 || stopped).then(|| ModelOutcome::Bytes(Vec::new())));
        }
        if end.queued() > 0 {
            if receive.peek {
                let bytes = end.queue.iter().flatten().take(receive.len);
                return Ok(Some(ModelOutcome::Bytes(bytes.copied().collect())));
            }
            let want = receive.len - receive.got.len();
            receive.got.extend(drain(&mut end.queue, want));
            // Linux waits for a byte even when asked for none, then returns at once.
            if !receive.wait_all || receive.got.len() == receive.len {
                return Ok(Some(ModelOutcome::Bytes(std::mem::take(&mut receive.got))));
            }
        }
        if !receive.got.is_empty() && (stopped || !may_wait) {
            if end.error.is_some() {
                return Err(Unmodelled::Action(
                    "an error pending when MSG_WAITALL has bytes in hand".to_owned(),
                ));
            }
            return Ok(Some(ModelOutcome::Bytes(std::mem::take(&mut receive.got))));
        }
        // The order Linux looks in: TCP's FIN, the pending error, the shut down side.
        if end.fin {
            return Ok(Some(ModelOutcome::Bytes(Vec::new())));
        }
        if let Some(error) = end.error.take() {
            return Ok(Some(ModelOutcome::Error(error)));
        }
        if end.read_shut {
            return Ok(Some(ModelOutcome::Bytes(Vec::new())));
        }
        receive.waited = may_wait;
        Ok((!may_wait).then_some(ModelOutcome::Error(Errno(libc::EAGAIN))))
    }

    /// A receive on a seqpacket end: one whole record, cut to the buffer.
    fn recv_record(
        &mut self,
        i: usize,
        receive: &Receive,
        may_wait: bool,
    ) -> Result<Option<ModelOutcome>, Unmodelled> {
        if receive.wait_all {
            return Err(Unmodelled::Action(
                "MSG_WAITALL on a seqpacket connection".to_owned(),
            ));
        }
        let from = self.ends[1 - i].name.clone();
        let end = &mut self.ends[i];
        let record = match receive.peek {
            true => end.queue.front().cloned(),
            false => end.queue.pop_front(),
        };
        if let Some(record) = record {
            return Ok(Some(ModelOutcome::Message {
                truncated: record.len() > receive.len,
                data: record[..receive.len.min(record.len())].to_vec(),
                from: Some(from),
            }));
        }
        if end.read_shut {
            return Ok(Some(ModelOutcome::Bytes(Vec::new())));
        }
        Ok((!may_wait).then_some(ModelOutcome::Error(Errno(libc::EAGAIN))))
    }

    /// `shutdown()` of end `i`: done, or ENOTCONN for a TCP end whose connection is
    /// over (it shuts down all the same).
    pub(super) fn shutdown(&mut self, i: usize, how: ShutdownHow) -> Answer {
        let (read, write) = match how {
            ShutdownHow::Read => (true, false),
            ShutdownHow::Write => (false, true),
            ShutdownHow::Both => (true, true),
        };
        if self.transport == Transport::Tcp {
            if read {
                return Err(Unmodelled::Action(
                    "shutdown(SHUT_RD) of TCP (later bytes are still queued)".to_owned(),
                ));
            }
            let end = &mut self.ends[i];
            let outcome = match end.done {
                true => ModelOutcome::Error(Errno(libc::ENOTCONN)),
                false => ModelOutcome::Done,
            };
            if !end.write_shut {
                // FIN: the peer reads end of file once it has what came before; an end
                // that had the peer's FIN already is done once this one is acknowledged.
                end.write_shut = true;
                end.done |= end.fin;
                let peer = &mut self.ends[1 - i];
                peer.read_shut = true;
                peer.fin = true;
                peer.done |= peer.write_shut;
            }
            return Ok(outcome);
        }
        if read && !self.rules.shut_rd_reaches_peer {
            return Err(Unmodelled::Action(
                "shutdown(SHUT_RD) of a Unix stream, which flushes this end only".to_owned(),
            ));
        }
        let over = !self.ends[1 - i].open || (write && self.ends[i].write_shut);
        if self.rules.shutdown_again_enotconn && over {
            return Ok(ModelOutcome::Error(Errno(libc::ENOTCONN)));
        }
        // Linux carries it to the peer: what this end stops, the peer cannot do.
        self.ends[i].read_shut |= read;
        self.ends[i].write_shut |= write;
        self.ends[1 - i].write_shut |= read;
        self.ends[1 - i].read_shut |= write;
        Ok(ModelOutcome::Done)
    }

    /// End `i`'s last descriptor is closed (or its process is gone).
    pub(super) fn close(&mut self, i: usize) -> Result<(), Unmodelled> {
        let unread = self.ends[i].queued() > 0;
        self.ends[i].open = false;
        self.ends[i].queue.clear();
        self.reset_peer(i, unread)
    }

    /// End `i` goes without ever having been accepted, as when its listener closes.
    pub(super) fn abort(&mut self, i: usize) -> Result<(), Unmodelled> {
        self.ends[i].open = false;
        self.ends[i].queue.clear();
        self.reset_peer(i, true)
    }

    /// What end `i` going does to its peer; `reset` when it went with bytes unread or
    /// before it was accepted.
    fn reset_peer(&mut self, i: usize, reset: bool) -> Result<(), Unmodelled> {
        let peer = &mut self.ends[1 - i];
        match self.transport {
            Transport::UnixStream => {
                peer.read_shut = true;
                peer.write_shut = true;
                if reset && self.rules.close_unread_resets {
                    peer.error = Some(Errno(libc::ECONNRESET));
                }
            }
            Transport::UnixSeqpacket if reset && peer.open => {
                return Err(Unmodelled::Action(
                    "a seqpacket end reset (the error comes before the records queued)".to_owned(),
                ))
            }
            Transport::UnixSeqpacket => {
                peer.read_shut = true;
                peer.write_shut = true;
            }
            Transport::Tcp if reset && peer.open => {
                if peer.queued() > 0 {
                    return Err(Unmodelled::Action(
                        "a TCP reset meeting bytes not yet received".to_owned(),
                    ));
                }
                // tcp_reset: EPIPE in CLOSE_WAIT (FIN came, this side still open),
                // ECONNRESET otherwise; and the connection is done both ways.
                let close_wait = peer.fin && !peer.write_shut;
                peer.error = Some(Errno(match close_wait {
                    true => libc::EPIPE,
                    false => libc::ECONNRESET,
                }));
                peer.read_shut = true;
                peer.write_shut = true;
                peer.done = true;
            }
            // FIN, if shutdown(SHUT_WR) did not send it already.
            Transport::Tcp => {
                peer.read_shut = true;
                peer.fin = true;
                peer.done |= peer.write_shut;
            }
        }
        Ok(())
    }
}

/// Up to `n` bytes off the front of a queue of sends.
fn drain(queue: &mut VecDeque<Vec<u8>>, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while out.len() < n {
        let Some(front) = queue.front_mut() else {
            break;
        };
        let take = (n - out.len()).min(front.len());
        out.extend(front.drain(..take));
        if front.is_empty() {
            queue.pop_front();
        }
    }
    out
}
