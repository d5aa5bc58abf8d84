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

/// The handles one process holds.
pub(super) struct Handles(BTreeSet<Handle>);

impl Handles {
    pub(super) fn of(p: &Process) -> Handles {
        Handles(p.keeps_pair.iter().cloned().collect())
    }

    /// A call may use only handles the process holds, make only names it does not hold
    /// yet, and name abstract addresses only in the `AF_UNIX` domain.
    pub(super) fn check_call(
        &self,
        mechanism: Mechanism,
        call: &SocketCall,
        name: &ProcessName,
    ) -> Result<(), String> {
        if let Some(missing) = call.uses().into_iter().find(|h| !self.0.contains(*h)) {
            let holds: Vec<String> = self.0.iter().map(|h| format!("`{h}`")).collect();
            let holds = if holds.is_empty() {
                "none".to_owned()
            } else {
                holds.join(", ")
            };
            return Err(format!(
                "process `{name}` holds no handle `{missing}` here (it holds {holds}); handles come from `socket`, `accept`, `recv_fd`, `pipe` or a socketpair's `keeps`"
            ));
        }
        if let Some(taken) = call.makes().into_iter().find(|h| self.0.contains(*h)) {
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
                self.0.remove(h);
            }
            Action::Socket(call) if may_succeed(expect) => {
                self.0.extend(call.makes().into_iter().cloned());
            }
            Action::Exit => self.0.clear(),
            _ => {}
        }
    }
}
