//! What each socket call does to the datagram model, and what exit, a signal and a
//! process's leaving close (the model's [`SocketCalls`]).

use std::collections::VecDeque;

use super::{DatagramModel, Sock};
use crate::model::calls::{SockId, SocketCalls};
use crate::model::outcome::{Answer, ModelOutcome, Unmodelled};
use crate::model::room::Room;
use crate::platform::{Feature, PlatformProfile};
use crate::scenario::{Address, Errno, MsgFlag, PollEvent, SockOpt, SocketCall};

impl SocketCalls for DatagramModel {
    fn call(&mut self, p: usize, call: &SocketCall, profile: &PlatformProfile) -> Answer {
        if let Some(address) = abstract_address(call) {
            if !profile.has(Feature::AbstractSockets) {
                return Err(Unmodelled::Action(format!(
                    "`{address}`: abstract names are Linux's, {} has none",
                    profile.platform
                )));
            }
        }
        Ok(match call {
            SocketCall::Socket { name, flags } => {
                if !flags.is_empty() {
                    return Err(Unmodelled::Action("socket() flags".to_owned()));
                }
                let id = (p, name.0.clone());
                // A copy may keep the socket first made under this name open.
                if self.socks.get(&id).is_some_and(|s| s.open) {
                    return Err(Unmodelled::Action(format!("a second `{name}`")));
                }
                self.handles.made(&id);
                self.socks.insert(
                    id,
                    Sock {
                        open: true,
                        bound: None,
                        autobound: false,
                        error: None,
                        peer: None,
                        peer_sock: None,
                        queue: VecDeque::new(),
                        nonblock: false,
                    },
                );
                ModelOutcome::Done
            }
            SocketCall::Bind { on, to } => {
                let s = self.sock(p, on)?;
                let bound = self.socks[&s].bound.is_some() || self.socks[&s].autobound;
                let held = self.bound_to(to).is_some();
                // A port is looked at only after the socket: bound already is EINVAL.
                let refused = match self.udp() {
                    true if bound => Some(Errno(libc::EINVAL)),
                    true if held => Some(Errno(libc::EADDRINUSE)),
                    true => {
                        self.ports.insert(to.name.clone());
                        None
                    }
                    false => self.names.bind(to, bound, held),
                };
                if let Some(errno) = refused {
                    return Ok(ModelOutcome::Error(errno));
                }
                self.at(&s).bound = Some(to.clone());
                ModelOutcome::Done
            }
            SocketCall::Connect { on, to } => {
                let s = self.sock(p, on)?;
                match self.resolve(to)? {
                    // UDP sends nothing to connect, wherever it points.
                    _ if self.udp() => {
                        let sock = self.at(&s);
                        sock.autobound |= sock.bound.is_none();
                        sock.peer = Some(to.clone());
                        ModelOutcome::Done
                    }
                    Ok(t) if !self.may_send(&s, &t) => ModelOutcome::Error(Errno(libc::EPERM)),
                    Ok(t) => {
                        let sock = self.at(&s);
                        sock.peer = Some(to.clone());
                        let old = sock.peer_sock.replace(t.clone());
                        if let Some(old) = old.filter(|old| *old != t) {
                            self.leave_peer(&s, &old, profile)?;
                        }
                        ModelOutcome::Done
                    }
                    Err(e) => {
                        if self.rules.connect_disconnects_first {
                            let sock = self.at(&s);
                            sock.peer = None;
                            sock.peer_sock = None;
                        }
                        ModelOutcome::Error(e)
                    }
                }
            }
            SocketCall::Send {
                on,
                data,
                to,
                flags,
            } => {
                if !flags.is_empty() {
                    return Err(Unmodelled::Action("send flags".to_owned()));
                }
                let s = self.sock(p, on)?;
                let bytes = crate::judge::payload_bytes(data, profile);
                self.send(&s, to.as_ref(), bytes, profile)?
            }
            SocketCall::Recv { on, len, flags } => {
                let s = self.sock(p, on)?;
                let rules = self.rules;
                if rules.error_before_data {
                    if let Some(error) = self.at(&s).error.take() {
                        return Ok(ModelOutcome::Error(error));
                    }
                }
                let n = profile.resolve(*len).map_err(Unmodelled::Action)? as usize;
                let mut peek = false;
                let mut dont_wait = false;
                for f in flags {
                    match f {
                        MsgFlag::Peek => peek = true,
                        MsgFlag::DontWait => dont_wait = true,
                        other => return Err(Unmodelled::Action(format!("recv flag {other:?}"))),
                    }
                }
                if self.socks[&s].queue.is_empty() {
                    // Where data comes first, the error is reported on an empty queue,
                    // and MSG_PEEK leaves it pending.
                    let sock = self.at(&s);
                    if let Some(error) = sock.error {
                        if !peek {
                            sock.error = None;
                        }
                        return Ok(ModelOutcome::Error(error));
                    }
                    if n == 0 && !rules.empty_recv_waits {
                        return Err(Unmodelled::Action(format!(
                            "a receive into 0 bytes on an empty queue, which {} answers at \
                             once with nothing",
                            profile.platform
                        )));
                    }
                    if dont_wait || self.socks[&s].nonblock {
                        return Ok(ModelOutcome::Error(Errno(libc::EAGAIN)));
                    }
                    self.processes[p].pending = Some((s, n, peek));
                    return Ok(ModelOutcome::Blocks);
                }
                if dont_wait || self.socks[&s].nonblock {
                    self.arrived()?;
                }
                self.take(&s, n, peek)
            }
            SocketCall::SetNonBlocking { on, enable } => {
                let s = self.sock(p, on)?;
                self.at(&s).nonblock = *enable;
                ModelOutcome::Done
            }
            // SO_ERROR reads the pending error and clears it.
            SocketCall::GetOption {
                on,
                option: SockOpt::Error,
            } => {
                let s = self.sock(p, on)?;
                ModelOutcome::Count(self.at(&s).error.take().map_or(0, |e| e.0 as u64))
            }
            // Below the queue bounds, and while a quarter of its buffer holds what it
            // sent, a socket can always send.
            SocketCall::Poll { on, event } => {
                let s = self.sock(p, on)?;
                let room = Room::of(profile);
                if event == &PollEvent::Out && !room.writable(self.sent_by(&s)) {
                    return Err(Unmodelled::Action(format!(
                        "POLLOUT with more datagrams of its own queued than a quarter of {} \
                         surely holds",
                        room.describe()
                    )));
                }
                if event == &PollEvent::In && !self.socks[&s].queue.is_empty() {
                    self.arrived()?;
                }
                let sock = &self.socks[&s];
                let error = sock.error.is_some() && self.rules.error_polls_in;
                ModelOutcome::Count(match event {
                    PollEvent::In => u64::from(!sock.queue.is_empty() || error),
                    PollEvent::Out => 1,
                })
            }
            SocketCall::Dup { on, name } => {
                let s = self.sock(p, on)?;
                self.handles.dup(p, name, s)?;
                ModelOutcome::Done
            }
            SocketCall::Close(on) => {
                self.sock(p, on)?;
                self.release(&[(p, on.0.clone())])?;
                ModelOutcome::Done
            }
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        })
    }

    /// The process is gone: its sockets close, a call it was blocked in with them.
    fn leave(&mut self, p: usize) -> Result<(), Unmodelled> {
        self.processes[p].alive = false;
        self.processes[p].pending = None;
        let held = self.handles.of_process(p);
        self.release(&held)
    }

    /// Blocked receives take the datagram that came; where a pending error comes before
    /// data, one that came ends the receive with it (Linux wakes the waiter in
    /// `sk_error_report`, and `__skb_wait_for_more_packets` reports `sock_error`).
    fn wake(&mut self) -> Result<(), Unmodelled> {
        for q in 0..self.processes.len() {
            let Some((s, n, peek)) = self.processes[q].pending.clone() else {
                continue;
            };
            if !self.processes[q].alive {
                continue;
            }
            let error = match self.rules.error_before_data {
                true => self.at(&s).error.take(),
                false => None,
            };
            if let Some(error) = error {
                self.processes[q].pending = None;
                self.processes[q].completed = Some(ModelOutcome::Error(error));
            } else if !self.socks[&s].queue.is_empty() {
                self.processes[q].pending = None;
                self.processes[q].completed = Some(self.take(&s, n, peek));
            }
        }
        Ok(())
    }

    fn interrupted(_: (SockId, usize, bool)) -> ModelOutcome {
        ModelOutcome::Error(Errno(libc::EINTR))
    }
}

/// The abstract name a call names, if any.
fn abstract_address(call: &SocketCall) -> Option<&Address> {
    let address = match call {
        SocketCall::Bind { to, .. } | SocketCall::Connect { to, .. } => Some(to),
        SocketCall::Send { to, .. } => to.as_ref(),
        _ => None,
    };
    address.filter(|a| a.abstract_name)
}
