//! Addresses and listening in the connection model: `bind`, `listen`, `connect` and
//! `accept`, and what closing a socket does to a listener's queue.

use std::collections::VecDeque;

use super::{socket_flags, ConnectionModel, Pending, Role, Sock, SockId};
use crate::model::outcome::{Answer, ModelOutcome, Unmodelled};
use crate::model::stream::{Stream, Transport};
use crate::scenario::{Address, Errno, SocketFlag};

impl ConnectionModel {
    pub(super) fn bind(&mut self, s: &SockId, to: &Address) -> Answer {
        if self.socks[s].role != Role::Fresh {
            return Err(Unmodelled::Action(
                "bind of a socket that listens, is connected or tried to".to_owned(),
            ));
        }
        let bound = self.socks[s].bound.is_some();
        let held = self.holder(to).is_some();
        let refused = match self.transport {
            Transport::Tcp if bound => Some(Errno(libc::EINVAL)),
            Transport::Tcp if held => Some(Errno(libc::EADDRINUSE)),
            Transport::Tcp if self.ports.get(&to.name) == Some(&true) => {
                return Err(Unmodelled::Action(
                    "a port bound again after it carried connections".to_owned(),
                ))
            }
            Transport::Tcp => None,
            _ => self.names.bind(to, bound, held),
        };
        if let Some(errno) = refused {
            return Ok(ModelOutcome::Error(errno));
        }
        if self.transport == Transport::Tcp {
            self.ports.entry(to.name.clone()).or_insert(false);
        }
        self.at(s).bound = Some(to.clone());
        Ok(ModelOutcome::Done)
    }

    pub(super) fn listen(&mut self, s: &SockId, backlog: u32) -> Answer {
        if backlog > self.rules.backlog_max {
            return Err(Unmodelled::Action(format!(
                "a backlog above {}",
                self.rules.backlog_max
            )));
        }
        let tcp = self.transport == Transport::Tcp;
        let sock = self.at(s);
        match &mut sock.role {
            // A second listen changes the backlog, and the room it makes wakes connects.
            Role::Listening { backlog: b, .. } => *b = backlog,
            Role::Fresh if sock.bound.is_some() => {
                sock.role = Role::Listening {
                    backlog,
                    queue: VecDeque::new(),
                }
            }
            // TCP would pick a port nobody has a name for.
            Role::Fresh if tcp => {
                return Err(Unmodelled::Action(
                    "listen on an unbound TCP socket".to_owned(),
                ))
            }
            Role::Fresh => return Ok(ModelOutcome::Error(Errno(libc::EINVAL))),
            _ => {
                return Err(Unmodelled::Action(
                    "listen on a connected socket".to_owned(),
                ))
            }
        }
        Ok(ModelOutcome::Done)
    }

    pub(super) fn connect(&mut self, p: usize, s: &SockId, to: &Address) -> Answer {
        if self.socks[s].role != Role::Fresh {
            return Err(Unmodelled::Action(
                "connect of a socket that listens, is connected or tried to".to_owned(),
            ));
        }
        let tcp = self.transport == Transport::Tcp;
        if tcp && !self.ports.contains_key(&to.name) {
            return Err(Unmodelled::Action(
                "a connect to a TCP name never bound, which has no port".to_owned(),
            ));
        }
        if tcp && self.socks[s].nonblock {
            return Err(Unmodelled::Action(
                "a non-blocking TCP connect (EINPROGRESS or done, the kernel's choice)".to_owned(),
            ));
        }
        let listener = match self.holder(to) {
            Some(l) if matches!(self.socks[&l].role, Role::Listening { .. }) => l,
            found => {
                let refused = match (found, tcp) {
                    (Some(_), _) | (None, true) => Errno(libc::ECONNREFUSED),
                    (None, false) => self.names.unheld(to),
                };
                if tcp {
                    self.at(s).role = Role::Spent;
                }
                return Ok(ModelOutcome::Error(refused));
            }
        };
        if self.has_room(&listener) {
            self.join(s, &listener);
            return Ok(ModelOutcome::Done);
        }
        if tcp {
            return Err(Unmodelled::Schedule(
                "a TCP connect to a full listener (its SYN is dropped and sent again later)"
                    .to_owned(),
            ));
        }
        if self.socks[s].nonblock {
            return Ok(ModelOutcome::Error(Errno(libc::EAGAIN)));
        }
        if self.processes.iter().any(
            |q| matches!(&q.pending, Some(Pending::Connect { listener: l, .. }) if *l == listener),
        ) {
            return Err(Unmodelled::Schedule(
                "two connects waiting for room at one listener (both are woken)".to_owned(),
            ));
        }
        self.processes[p].pending = Some(Pending::Connect {
            sock: s.clone(),
            listener,
        });
        Ok(ModelOutcome::Blocks)
    }

    /// Whether the listener's queue takes another connection.
    pub(super) fn has_room(&self, listener: &SockId) -> bool {
        match &self.socks[listener].role {
            Role::Listening { backlog, queue } => {
                queue.len() < (*backlog + self.rules.backlog_slack) as usize
            }
            _ => false,
        }
    }

    /// Socket `s` connects to the listener: a new connection waits on its queue.
    pub(super) fn join(&mut self, s: &SockId, listener: &SockId) {
        let conn = self.conns.len();
        let mut stream = Stream::new(self.transport, self.stream_rules, self.room);
        let name = |a: &Option<Address>| a.as_ref().map(ToString::to_string).unwrap_or_default();
        stream.name_end(0, name(&self.socks[s].bound));
        stream.name_end(1, name(&self.socks[listener].bound));
        self.conns.push(stream);
        if let Some(port) = &self.socks[listener].bound {
            if let Some(carried) = self.ports.get_mut(&port.name) {
                *carried = true;
            }
        }
        self.at(s).role = Role::Connected { conn, side: 0 };
        if let Role::Listening { queue, .. } = &mut self.at(listener).role {
            queue.push_back(conn);
        }
    }

    pub(super) fn accept(
        &mut self,
        p: usize,
        listener: &SockId,
        name: &str,
        flags: &[SocketFlag],
    ) -> Answer {
        let id = (p, name.to_owned());
        if self.name_taken(&id) {
            return Err(Unmodelled::Action(format!("a second `{name}`")));
        }
        let queued = match &self.socks[listener].role {
            Role::Listening { queue, .. } => !queue.is_empty(),
            _ => return Ok(ModelOutcome::Error(Errno(libc::EINVAL))),
        };
        if queued {
            self.take_connection(listener, id, flags);
            return Ok(ModelOutcome::Done);
        }
        if self.socks[listener].nonblock {
            return Ok(ModelOutcome::Error(Errno(libc::EAGAIN)));
        }
        self.processes[p].pending = Some(Pending::Accept {
            listener: listener.clone(),
            name: name.to_owned(),
            flags: flags.to_vec(),
        });
        Ok(ModelOutcome::Blocks)
    }

    /// The oldest connection on the listener's queue becomes socket `id`.
    pub(super) fn take_connection(&mut self, listener: &SockId, id: SockId, flags: &[SocketFlag]) {
        let inherited = self.rules.accept_inherits_nonblock && self.socks[listener].nonblock;
        let Role::Listening { queue, .. } = &mut self.at(listener).role else {
            return;
        };
        let Some(conn) = queue.pop_front() else {
            return;
        };
        let (nonblock, cloexec) = socket_flags(flags);
        let role = Role::Connected { conn, side: 1 };
        self.make(id, Sock::new(nonblock || inherited, cloexec, role));
    }

    /// Socket `s` is closed.
    pub(super) fn close(&mut self, s: &SockId) -> Result<(), Unmodelled> {
        if self
            .processes
            .iter()
            .any(|q| matches!(&q.pending, Some(Pending::Connect { listener, .. }) if listener == s))
        {
            return Err(Unmodelled::Action(
                "a listener closed while a connect waits for it".to_owned(),
            ));
        }
        let sock = self.at(s);
        sock.open = false;
        match std::mem::replace(&mut sock.role, Role::Spent) {
            Role::Connected { conn, side } => self.conns[conn].close(side),
            Role::Listening { queue, .. } if !queue.is_empty() => {
                if self.transport == Transport::Tcp {
                    return Err(Unmodelled::Action(
                        "a TCP listener closed with connections not accepted".to_owned(),
                    ));
                }
                queue
                    .into_iter()
                    .try_for_each(|conn| self.conns[conn].abort(1))
            }
            _ => Ok(()),
        }
    }
}
