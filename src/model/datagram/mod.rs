//! The reference model of datagram sockets, Unix (`AF_UNIX`, `SOCK_DGRAM`) and UDP on
//! loopback: sockets that processes make and name by handle, addresses bound to them,
//! connections, and a queue of whole datagrams per socket, each with its sender's
//! address.
//!
//! A receive takes one whole datagram, cut to the buffer with MSG_TRUNC when longer
//! (MSG_PEEK leaves it queued), waits while the queue is empty, or fails with EAGAIN when
//! O_NONBLOCK or MSG_DONTWAIT says not to wait. How many datagrams a socket queues
//! depends on the kernel's accounting, so the model stops (says "outside") past
//! [`DATAGRAMS_BOUND`] queued datagrams or [`BYTES_BOUND`] bytes, or past what the
//! run's socket buffers surely hold (`Room`: a Unix datagram counts against its sender
//! until received, a UDP one against its receiver), and claims POLLOUT only while a
//! quarter of the sender's buffer holds what it sent.
//!
//! The two domains part where a datagram finds nobody, and on connections:
//! - **Unix**: a path's file stays after its socket closes, an abstract name (Linux)
//!   goes with it. A send to a path no socket ever bound fails with ENOENT, to one whose
//!   socket closed or to an abstract name nothing holds with ECONNREFUSED.
//! - **UDP**: a name keeps the port the kernel gave it at its first bind, and may be
//!   bound again once its socket closed. A datagram to a port nobody holds is lost and
//!   the send succeeds; the ICMP port-unreachable it causes becomes a pending
//!   ECONNREFUSED on the sender only when it is connected to that port, which its next send or
//!   receive reports and clears. A connected socket does
//!   not take datagrams from other senders: no socket does, so they draw the same
//!   port-unreachable. A socket that sends or connects unbound
//!   gets a port of the kernel's, which no scenario names, and can no longer bind.
//!
//! Where Linux and XNU part, the profile's [`DatagramRules`] say which way
//! (`PlatformProfile::datagram`, each rule with the source that decides it): whether a
//! connected Unix socket refuses strangers (EPERM), what a closing peer leaves behind
//! (Linux: ECONNREFUSED at the next send, then ENOTCONN; XNU: ECONNRESET pending at once,
//! then EDESTADDRREQ), EISCONN for `sendto` on a connected socket, whether a pending error
//! comes before queued data and makes the socket readable, when a receive names the
//! sender, whether a failed `connect` drops the old peer, and whether the port-unreachable
//! is pending when `sendto` returns. A socket that leaves its peer (connects to another,
//! or finds it closed) throws its queue away, and a former peer connected back to it
//! gets ECONNRESET, where the profile says so. What a rule cannot say (a receive into 0
//! bytes on XNU, when XNU's port-unreachable lands, a queue past what XNU is known to
//! hold) the model leaves to the kernel. A `dup` is one more handle on a socket, which
//! closes (and gives up its address) only with its last handle.
//!
//! # References
//! - POSIX XSH `socket()`, `bind()` (EADDRINUSE for a name in use), `connect()` (for a
//!   datagram socket: the default peer, and the only one it receives from), `sendto()`
//!   (a datagram is sent whole; EDESTADDRREQ without an address on an unconnected
//!   socket), `recvmsg()` (one datagram per call; MSG_TRUNC when it was longer than the
//!   buffer; the sender's address), `dup()`, `close()` (with the last descriptor),
//!   `poll()`.

mod apply;
mod meets;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::calls::{callers_in_processes, Caller, SockId};
use super::handles::SocketHandles;
use super::names::UnixNames;
use super::outcome::{Answer, ModelOutcome, Unmodelled};
use super::room::Room;
use crate::platform::{DatagramRules, Platform, PlatformProfile};
use crate::scenario::{Address, Errno, Handle, Process, SocketDomain};

/// The most datagrams the model lets wait in one socket.
pub const DATAGRAMS_BOUND: usize = 8;
/// The most bytes the model lets wait in one socket.
pub const BYTES_BOUND: usize = 4096;
/// The most bytes of address a Unix datagram's sender takes in a queue that counts them
/// (XNU's `SOCK_MAXADDRLEN`).
const SOCK_MAXADDRLEN: usize = 255;

/// One socket.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Sock {
    open: bool,
    bound: Option<Address>,
    /// UDP: it sent or connected unbound, so the kernel gave it a port of its own.
    autobound: bool,
    /// UDP: the ECONNREFUSED an ICMP port-unreachable left for the next call.
    error: Option<Errno>,
    /// The peer address it is connected to, if any.
    peer: Option<Address>,
    /// Unix: the socket it connected to. Linux holds the peer socket itself, not its
    /// name: a send goes to it, and only it may send here, even once its name is bound
    /// anew.
    peer_sock: Option<SockId>,
    /// Datagrams waiting, each with its sending socket and that socket's address as it
    /// was at the send (the platform's rules say which of the two a receive reports).
    queue: VecDeque<Queued>,
    nonblock: bool,
}

/// A datagram waiting: its bytes, its sending socket, and the address that socket had
/// when it sent (as [`ModelOutcome::Message`] names it).
type Queued = (Vec<u8>, SockId, Option<String>);

/// A process: a receive it is blocked in is the socket, the buffer size, and whether it
/// peeks; the model keeps nothing else of it (its sockets are keyed by it).
type ProcessState = Caller<(SockId, usize, bool), ()>;

/// The datagram sockets of a scenario's processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatagramModel {
    domain: SocketDomain,
    /// Keyed, not in the order made: the actions of one step may make them in any order.
    socks: BTreeMap<SockId, Sock>,
    /// The handles processes hold on them, copies included.
    handles: SocketHandles,
    /// The Unix names bound so far.
    names: UnixNames,
    /// The UDP names bound so far: each keeps the port the kernel gave it at its first
    /// bind.
    ports: BTreeSet<String>,
    processes: Vec<ProcessState>,
    /// The platform's rules, and which platform they are.
    rules: DatagramRules,
    platform: Platform,
    /// Whether a UDP datagram, and the port-unreachable it draws, have arrived when the
    /// send returns (`PlatformProfile::loopback_at_once`).
    loopback_at_once: bool,
}

impl DatagramModel {
    /// The scenario's processes, with no socket yet, in `domain`, on the platform of
    /// `profile`.
    pub fn for_processes(
        processes: &[Process],
        domain: SocketDomain,
        profile: &PlatformProfile,
    ) -> DatagramModel {
        DatagramModel {
            rules: profile.datagram,
            platform: profile.platform,
            loopback_at_once: profile.loopback_at_once,
            domain,
            socks: BTreeMap::new(),
            handles: SocketHandles::default(),
            names: UnixNames::default(),
            ports: BTreeSet::new(),
            processes: processes.iter().map(|p| Caller::new(p, ())).collect(),
        }
    }

    fn udp(&self) -> bool {
        self.domain == SocketDomain::Inet
    }

    /// The open socket process `p` holds as `handle`.
    fn sock(&self, p: usize, handle: &Handle) -> Result<SockId, Unmodelled> {
        match self.handles.socket(p, handle) {
            Some(id) if self.socks[id].open => Ok(id.clone()),
            _ => Err(Unmodelled::Action(format!("a call on `{handle}` not held"))),
        }
    }

    /// The open socket bound to `address`.
    fn bound_to(&self, address: &Address) -> Option<SockId> {
        self.socks
            .iter()
            .find(|(_, s)| s.open && s.bound.as_ref() == Some(address))
            .map(|(id, _)| id.clone())
    }

    /// Where a datagram to `address` goes, or why it cannot: ENOENT for a path no file
    /// is at, ECONNREFUSED for a path whose socket closed, an abstract name nothing holds
    /// (Linux), or a UDP port nobody holds. A UDP name never bound has no port, so a
    /// scenario cannot send to it.
    fn resolve(&self, address: &Address) -> Result<Result<SockId, Errno>, Unmodelled> {
        if let Some(s) = self.bound_to(address) {
            return Ok(Ok(s));
        }
        if !self.udp() {
            return Ok(Err(self.names.unheld(address)));
        }
        match self.ports.contains(&address.name) {
            true => Ok(Err(Errno(libc::ECONNREFUSED))),
            false => Err(Unmodelled::Action(format!(
                "`{address}`, a UDP name no socket has bound"
            ))),
        }
    }

    /// A datagram from socket `s` to `to`, or to its peer.
    fn send(
        &mut self,
        s: &SockId,
        to: Option<&Address>,
        bytes: Vec<u8>,
        profile: &PlatformProfile,
    ) -> Answer {
        let rules = self.rules;
        let len = bytes.len() as u64;
        let peer = self.socks[s].peer.clone();
        // Linux gives a UDP socket its port before it looks at anything else; a Unix
        // socket reports a pending error first, or once it has somewhere to send.
        let reports_error = match self.udp() {
            true => {
                let sock = self.at(s);
                sock.autobound |= sock.bound.is_none();
                true
            }
            false => rules.unix_send_error_first || to.is_some() || peer.is_some(),
        };
        if let Some(error) = self.at(s).error.take_if(|_| reports_error) {
            return Ok(ModelOutcome::Error(error));
        }
        if to.is_some() && peer.is_some() && rules.sendto_connected_eisconn {
            return Ok(ModelOutcome::Error(Errno(libc::EISCONN)));
        }
        let destination = to.cloned().or_else(|| peer.clone());
        let target = match (to, peer) {
            (Some(address), _) => self.resolve(address)?,
            (None, Some(peer)) if self.udp() => self.resolve(&peer)?,
            (None, Some(_)) => {
                let old = self.socks[s]
                    .peer_sock
                    .clone()
                    .expect("a Unix peer is a socket");
                if self.socks[&old].open {
                    Ok(old)
                } else {
                    // Linux: the send that finds the Unix peer gone reports it, and the
                    // socket is no longer connected.
                    let sock = self.at(s);
                    sock.peer = None;
                    sock.peer_sock = None;
                    self.leave_peer(s, &old, profile)?;
                    return Ok(ModelOutcome::Error(Errno(libc::ECONNREFUSED)));
                }
            }
            (None, None) if !self.udp() && rules.unix_unconnected_send_enotconn => {
                return Ok(ModelOutcome::Error(Errno(libc::ENOTCONN)))
            }
            (None, None) => return Ok(ModelOutcome::Error(Errno(libc::EDESTADDRREQ))),
        };
        // A UDP datagram that no socket takes (nobody holds the port, or its socket is
        // connected to another) is lost.
        let unreachable = Errno(libc::ECONNREFUSED);
        let t = match target {
            Ok(t) if self.may_send(s, &t) => t,
            Ok(_) if !self.udp() => return Ok(ModelOutcome::Error(Errno(libc::EPERM))),
            Ok(_) => return self.lost(s, destination, unreachable, len),
            Err(e) if self.udp() => return self.lost(s, destination, e, len),
            Err(e) => return Ok(ModelOutcome::Error(e)),
        };
        let queue = &self.socks[&t].queue;
        let queued: usize = queue.iter().map(|(d, ..)| d.len()).sum();
        if queue.len() >= DATAGRAMS_BOUND || queued + bytes.len() > BYTES_BOUND {
            return Err(Unmodelled::Action(format!(
                "more than {DATAGRAMS_BOUND} datagrams or {BYTES_BOUND} bytes queued"
            )));
        }
        // Linux charges a Unix datagram to its sender until it is received, and a UDP
        // one to its receiver.
        let room = Room::of(profile);
        if !room.holds(queue.iter().map(|(d, ..)| d.len()).chain([bytes.len()]))
            || !room.holds(self.sent_by(s).chain([bytes.len()]))
        {
            return Err(Unmodelled::Action(format!(
                "more datagrams queued than {} surely hold",
                room.describe()
            )));
        }
        if let Some(room) = rules.unix_room.filter(|_| !self.udp()) {
            let counted = (queue.len() + 1) * SOCK_MAXADDRLEN + queued + bytes.len();
            if counted as u64 > room {
                return Err(Unmodelled::Action(format!(
                    "a Unix datagram queue past the {room} bytes {} is known to hold, \
                     sender addresses counted",
                    profile.platform
                )));
            }
        }
        let from = self.name_of(s);
        self.at(&t).queue.push_back((bytes, s.clone(), from));
        Ok(ModelOutcome::Count(len))
    }

    /// The lengths of the datagrams `s` sent that wait in any socket's queue.
    fn sent_by<'a>(&'a self, s: &'a SockId) -> impl Iterator<Item = usize> + 'a {
        self.socks
            .values()
            .flat_map(|t| t.queue.iter())
            .filter(move |(_, from, _)| from == s)
            .map(|(d, ..)| d.len())
    }

    /// The socket `s`, to change it.
    fn at(&mut self, s: &SockId) -> &mut Sock {
        self.socks.get_mut(s).expect("a socket the model made")
    }

    /// A UDP datagram from `s` to `destination` that no socket took: sent all the same.
    /// The port-unreachable it draws is pending on `s` only if `s` is connected to that
    /// destination: both kernels find the socket an ICMP error is for by both ends, and
    /// an unconnected socket is not told. When it lands is the platform's.
    fn lost(&mut self, s: &SockId, destination: Option<Address>, error: Errno, len: u64) -> Answer {
        let (at_once, platform) = (self.loopback_at_once, self.platform);
        let sock = self.at(s);
        if sock.peer.is_some() && sock.peer == destination {
            if !at_once {
                return Err(Unmodelled::Schedule(format!(
                    "when the port-unreachable of a UDP datagram to `{}` is pending on \
                     {platform}",
                    destination.expect("connected"),
                )));
            }
            sock.error = Some(error);
        }
        Ok(ModelOutcome::Count(len))
    }

    /// Whether socket `s` may send to `t`: a connected UDP socket takes datagrams from
    /// its peer only (no socket is found for the others), matched by address; a Unix one
    /// from its peer socket only where the platform says so (Linux refuses the others
    /// with EPERM, for `connect` too).
    fn may_send(&self, s: &SockId, t: &SockId) -> bool {
        let target = &self.socks[t];
        match self.udp() {
            true => target.peer.is_none() || target.peer == self.socks[s].bound,
            false if !self.rules.unix_peer_filters_senders => true,
            false => target.peer_sock.as_ref().is_none_or(|peer| peer == s),
        }
    }

    /// That the datagrams the model has queued are there for a call that does not wait:
    /// UDP's are, only where loopback delivers before the send returns.
    fn arrived(&self) -> Result<(), Unmodelled> {
        match self.udp() && !self.loopback_at_once {
            true => Err(Unmodelled::Schedule(format!(
                "whether a UDP datagram sent over loopback has arrived yet on {}",
                self.platform
            ))),
            false => Ok(()),
        }
    }

    /// Socket `s`'s address as a receive names it now.
    fn name_of(&self, s: &SockId) -> Option<String> {
        let sock = &self.socks[s];
        match &sock.bound {
            Some(address) => Some(address.to_string()),
            None if sock.autobound => None,
            None => Some(String::new()),
        }
    }

    /// Socket `s` closes, and the sockets connected to it hear of it as the platform says.
    /// Let go of the handles `released`; each socket no handle refers to any more
    /// closes.
    fn release(&mut self, released: &[SockId]) -> Result<(), Unmodelled> {
        let mut unheld = self.handles.release(released);
        unheld.retain(|s| self.socks[s].open);
        unheld.iter().try_for_each(|s| self.close(s))
    }

    fn close(&mut self, s: &SockId) -> Result<(), Unmodelled> {
        self.reset_peers_of(s)?;
        self.at(s).open = false;
        Ok(())
    }

    /// Unix socket `s` closes: where the platform says so, every open socket connected to
    /// it is disconnected with ECONNRESET pending. A receive blocked on one of them is
    /// not woken by that (XNU `unp_drop` sets the error without a wakeup), which the
    /// model leaves to the kernel.
    fn reset_peers_of(&mut self, s: &SockId) -> Result<(), Unmodelled> {
        if self.udp() || !self.rules.unix_close_resets_peers {
            return Ok(());
        }
        let connected: Vec<SockId> = self
            .socks
            .iter()
            .filter(|(id, sock)| *id != s && sock.open && sock.peer_sock.as_ref() == Some(s))
            .map(|(id, _)| id.clone())
            .collect();
        if connected.iter().any(|id| {
            self.processes[id.0]
                .pending
                .as_ref()
                .is_some_and(|(on, ..)| on == id)
        }) {
            return Err(Unmodelled::Action(
                "a receive blocked on a socket whose peer closes".to_owned(),
            ));
        }
        for id in connected {
            let sock = self.at(&id);
            sock.peer = None;
            sock.peer_sock = None;
            sock.error = Some(Errno(libc::ECONNRESET));
        }
        Ok(())
    }

    /// Unix socket `s` leaves its peer `old`: where the platform says so, its queue is
    /// thrown away, and `old`, if open and connected back to `s`, gets ECONNRESET (only
    /// when something was queued); elsewhere the queue stays and nobody is told.
    fn leave_peer(
        &mut self,
        s: &SockId,
        old: &SockId,
        profile: &PlatformProfile,
    ) -> Result<(), Unmodelled> {
        if self.socks[s].queue.is_empty() {
            return Ok(());
        }
        if !profile.unix_dgram_leaving_peer_purges {
            return Ok(());
        }
        self.at(s).queue.clear();
        let back = &self.socks[old];
        if back.open && back.peer_sock.as_ref() == Some(s) {
            self.at(old).error = Some(Errno(libc::ECONNRESET));
        }
        Ok(())
    }

    /// One datagram off socket `s`'s queue, cut to `n` bytes; left queued when peeking.
    /// Its sender is named as it is now or as it was at the send, as the platform says.
    fn take(&mut self, s: &SockId, n: usize, peek: bool) -> ModelOutcome {
        let queue = &mut self.at(s).queue;
        let (data, sender, from) = if peek {
            queue.front().cloned()
        } else {
            queue.pop_front()
        }
        .expect("the queue is not empty");
        let from = match self.rules.unix_sender_named_at_receive {
            true => self.name_of(&sender),
            false => from,
        };
        ModelOutcome::Message {
            truncated: data.len() > n,
            data: data[..n.min(data.len())].to_vec(),
            from,
        }
    }
}

callers_in_processes!(DatagramModel, (SockId, usize, bool), ());

#[cfg(test)]
mod tests;
