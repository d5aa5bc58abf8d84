//! Socket processes: the handles each holds as the steps go, and the addresses its
//! calls may name.

use std::collections::BTreeSet;

use super::state::may_succeed;
use crate::scenario::model::*;

/// `keeps` names socketpair ends only in a socketpair scenario, and only `left` and
/// `right`, in a process that inherits them.
pub(super) fn check_pair_ends(mechanism: Mechanism, p: &Process) -> Result<(), String> {
    if p.keeps_pair.is_empty() {
        if mechanism == Mechanism::Socketpair && !p.keeps.is_empty() {
            return Err(format!(
                "a socketpair's ends are {}, not read and write ends",
                pair_names()
            ));
        }
        return Ok(());
    }
    if mechanism != Mechanism::Socketpair {
        return Err(format!(
            "unknown end `{}`, expected `read` or `write` (a {mechanism} has no named ends)",
            p.keeps_pair[0]
        ));
    }
    if p.relation == Relation::Unrelated {
        return Err(format!(
            "process `{}` is unrelated, so it inherits no ends and cannot keep any",
            p.name
        ));
    }
    match p
        .keeps_pair
        .iter()
        .find(|h| !Handle::PAIR.contains(&h.0.as_str()))
    {
        Some(h) => Err(format!(
            "a socketpair has no end `{h}`; its ends are {}",
            pair_names()
        )),
        None => Ok(()),
    }
}

fn pair_names() -> String {
    let [a, b] = Handle::PAIR;
    format!("`{a}` and `{b}`")
}

/// Hosts apply to IPv4 sockets; when one process names a host every process does, and
/// there are two hosts at most (one link joins them). `Err` names the process at fault.
pub(super) fn check_hosts(
    mechanism: Mechanism,
    processes: &[Process],
) -> Result<(), (usize, String)> {
    let Some(first) = processes.iter().position(|p| p.host.is_some()) else {
        return Ok(());
    };
    let inet = mechanism
        .socket_kind()
        .is_some_and(|k| k.domain == SocketDomain::Inet);
    if !inet {
        return Err((
            first,
            format!("`host` applies to tcp and udp, which can reach another computer; a {mechanism} stays on one"),
        ));
    }
    if let Some(i) = processes.iter().position(|p| p.host.is_none()) {
        return Err((
            i,
            format!(
                "process `{}` names no `host` while process `{}` does; in a scenario across hosts every process says where it runs",
                processes[i].name, processes[first].name
            ),
        ));
    }
    let mut hosts: Vec<&str> = Vec::new();
    for (i, p) in processes.iter().enumerate() {
        let host = p.host.as_deref().unwrap_or_default();
        if !hosts.contains(&host) {
            if hosts.len() == 2 {
                return Err((
                    i,
                    format!(
                        "a third host `{host}`; a scenario has at most two hosts (`{}` and `{}`), joined by one link",
                        hosts[0], hosts[1]
                    ),
                ));
            }
            hosts.push(host);
        }
    }
    Ok(())
}

fn mentions_eof(expect: &Expectation) -> bool {
    match expect {
        Expectation::Eof => true,
        Expectation::AnyOf(options) => options.iter().any(mentions_eof),
        Expectation::Platform(p) => [&p.linux, &p.macos]
            .into_iter()
            .flatten()
            .any(|e| mentions_eof(e)),
        _ => false,
    }
}

/// The handles one process holds, and which of them are plain descriptors (a `pipe`'s
/// ends, what `recv_fd` received, their copies) rather than sockets of the scenario's
/// kind.
pub(super) struct Handles {
    held: BTreeSet<Handle>,
    plain: BTreeSet<Handle>,
}

impl Handles {
    /// What `p` holds at its start: the socketpair's ends it keeps, and the handle of a
    /// listener it `inherited` from the parent.
    pub(super) fn of(p: &Process, inherited: Option<&Handle>) -> Handles {
        Handles {
            held: p.keeps_pair.iter().chain(inherited).cloned().collect(),
            plain: BTreeSet::new(),
        }
    }

    /// A datagram socket has no end of file: a `recv` that returns 0 bytes got an empty
    /// datagram, which `{ message = { data = "" } }` says without the ambiguity.
    pub(super) fn check_datagram_eof(
        &self,
        mechanism: Mechanism,
        action: &Action,
        expect: &Expectation,
    ) -> Result<(), String> {
        let datagram = mechanism
            .socket_kind()
            .is_some_and(|k| k.style == SocketStyle::Datagram);
        let Action::Socket(SocketCall::Recv { on, .. }) = action else {
            return Ok(());
        };
        if datagram && !self.plain.contains(on) && mentions_eof(expect) {
            return Err(format!(
                "`eof` cannot apply to `recv` on a {mechanism} socket: datagrams have no end of file, and 0 bytes is an empty datagram; expected {{ message = {{ data = \"\" }} }}"
            ));
        }
        Ok(())
    }

    /// A call may use only handles the process holds, make only names it does not hold
    /// yet, and name abstract addresses only in the `AF_UNIX` domain.
    pub(super) fn check_call(
        &self,
        mechanism: Mechanism,
        call: &SocketCall,
        name: &ProcessName,
    ) -> Result<(), String> {
        if let Some(missing) = call.uses().into_iter().find(|h| !self.held.contains(*h)) {
            let holds: Vec<String> = self.held.iter().map(|h| format!("`{h}`")).collect();
            let holds = if holds.is_empty() {
                "none".to_owned()
            } else {
                holds.join(", ")
            };
            return Err(format!(
                "process `{name}` holds no handle `{missing}` here (it holds {holds}); handles come from `socket`, `accept`, `recv_fd`, `pipe` or a socketpair's `keeps`"
            ));
        }
        if let Some(taken) = call.makes().into_iter().find(|h| self.held.contains(*h)) {
            return Err(format!(
                "process `{name}` already holds a handle `{taken}`; give the new one another name, or `close` the old one first"
            ));
        }
        if let SocketCall::Pipe { read, write } = call {
            if read == write {
                return Err(format!(
                    "a pipe's two ends need two names; both are `{read}`"
                ));
            }
        }
        let unix = mechanism
            .socket_kind()
            .is_some_and(|k| k.domain == SocketDomain::Unix);
        match call.address() {
            Some(a) if a.abstract_name && !unix => Err(format!(
                "`{a}` is an abstract AF_UNIX name; a {mechanism} socket binds to a loopback port, expected a plain name"
            )),
            _ => Ok(()),
        }
    }

    /// Follow what a call that completed does to the handles.
    pub(super) fn track(&mut self, action: &Action, expect: &Expectation) {
        match action {
            // The actor lets go of the handle whatever close() answers.
            Action::Socket(SocketCall::Close(h)) => {
                self.held.remove(h);
                self.plain.remove(h);
            }
            Action::Socket(call) if may_succeed(expect) => {
                let made = call.makes().into_iter().cloned();
                let plain = match call {
                    SocketCall::Pipe { .. } | SocketCall::RecvFd { .. } => true,
                    // A copy is what it copies.
                    SocketCall::Dup { on, .. } => self.plain.contains(on),
                    _ => false,
                };
                if plain {
                    self.plain.extend(made.clone());
                }
                self.held.extend(made);
            }
            Action::Exit => {
                self.held.clear();
                self.plain.clear();
            }
            _ => {}
        }
    }
}
