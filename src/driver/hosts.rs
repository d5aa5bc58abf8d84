//! Hosts: processes "on different computers". For a scenario whose processes name hosts,
//! the driver makes one network namespace per host and joins the two by a veth pair with
//! addresses on a link-local /30 of its own, through iproute2's `ip`; each actor enters
//! its host's namespace right after the fork. Everything is removed when the run ends
//! (deleting a namespace deletes its end of the pair), and namespaces of runs that were
//! killed are swept by their pid.
//!
//! Linux only, and only as root with `ip` installed: elsewhere such scenarios are skipped
//! with the reason (the platform profile, then [`unavailable`]).

use std::fs::File;
use std::net::Ipv4Addr;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::process::Command;

use nix::sys::signal::kill;
use nix::unistd::Pid;

use super::cleanup::random_suffix;
use super::error::{HarnessError, SkipReason};
use crate::scenario::Scenario;

/// Where `ip netns` keeps its named namespaces.
const NETNS_DIR: &str = "/run/netns";
/// The prefix of our namespaces' names: `ipcc-PID-SUFFIX-N`.
const PREFIX: &str = "ipcc-";
/// The name of each end of the pair, inside its own namespace.
const LINK: &str = "ipcc0";
/// The addresses of the two hosts: a link-local /30 that exists only inside our
/// namespaces, so it can never reach or shadow a real network.
const ADDRESSES: [Ipv4Addr; 2] = [
    Ipv4Addr::new(169, 254, 77, 1),
    Ipv4Addr::new(169, 254, 77, 2),
];

/// How long the link between hosts may take to come up.
const LINK_UP_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// One host: its namespace and address.
pub(crate) struct Host {
    /// The scenario's name for it.
    name: String,
    /// The namespace's name under [`NETNS_DIR`].
    netns: String,
    /// Its address on the link.
    pub(crate) ip: Ipv4Addr,
    /// The namespace, open, for the actors to enter.
    file: File,
}

impl Host {
    /// The namespace to enter.
    pub(crate) fn netns(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

/// The hosts of one run; dropping them removes the namespaces and the link.
pub(crate) struct Hosts {
    hosts: Vec<Host>,
}

/// Why scenarios across hosts cannot run here, if they cannot.
pub(crate) fn unavailable() -> Option<SkipReason> {
    if !nix::unistd::geteuid().is_root() {
        return Some(SkipReason(
            "scenarios across hosts need root, to make network namespaces".to_owned(),
        ));
    }
    match Command::new("ip").arg("-V").output() {
        Ok(out) if out.status.success() => None,
        _ => Some(SkipReason(
            "scenarios across hosts need iproute2's `ip` (apt-get install iproute2)".to_owned(),
        )),
    }
}

fn ip(args: &[&str]) -> Result<(), HarnessError> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(HarnessError::NoIp)?;
    if out.status.success() {
        return Ok(());
    }
    Err(HarnessError::Ip {
        command: args.join(" "),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    })
}

impl Hosts {
    /// Make the scenario's hosts, or nothing when no process names one.
    pub(crate) fn create(scenario: &Scenario) -> Result<Option<Hosts>, HarnessError> {
        let mut names: Vec<&str> = Vec::new();
        for host in scenario.processes.iter().filter_map(|p| p.host.as_deref()) {
            if !names.contains(&host) {
                names.push(host);
            }
        }
        if names.is_empty() {
            return Ok(None);
        }
        let suffix = random_suffix().map_err(HarnessError::Random)? as u32;
        let mut hosts = Hosts { hosts: Vec::new() };
        for (i, (name, address)) in names.iter().zip(ADDRESSES).enumerate() {
            let netns = format!("{PREFIX}{}-{suffix:08x}-{i}", std::process::id());
            ip(&["netns", "add", &netns])?;
            let file = File::open(Path::new(NETNS_DIR).join(&netns));
            // Recorded before anything else can fail, so that Drop removes it.
            let file = match file {
                Ok(file) => file,
                Err(source) => {
                    let _ = ip(&["netns", "delete", &netns]);
                    return Err(HarnessError::Namespace { netns, source });
                }
            };
            hosts.hosts.push(Host {
                name: (*name).to_owned(),
                netns,
                ip: address,
                file,
            });
        }
        hosts.link()?;
        Ok(Some(hosts))
    }

    /// Join the namespaces by a veth pair (or, for one host, give it only its own
    /// address), each end up with its address.
    fn link(&self) -> Result<(), HarnessError> {
        if let [a, b] = self.hosts.as_slice() {
            ip(&[
                "link", "add", LINK, "netns", &a.netns, "type", "veth", "peer", "name", LINK,
                "netns", &b.netns,
            ])?;
        } else {
            ip(&[
                "-n",
                &self.hosts[0].netns,
                "link",
                "add",
                LINK,
                "type",
                "dummy",
            ])?;
        }
        for host in &self.hosts {
            let address = format!("{}/30", host.ip);
            ip(&["-n", &host.netns, "addr", "add", &address, "dev", LINK])?;
            ip(&["-n", &host.netns, "link", "set", LINK, "up"])?;
            ip(&["-n", &host.netns, "link", "set", "lo", "up"])?;
        }
        for host in &self.hosts {
            self.await_link(host)?;
        }
        Ok(())
    }

    /// Wait, by the kernel's view, until the host's end of the link carries packets.
    /// A veth end brought up before its peer gets its carrier when the peer comes up,
    /// but its queueing discipline stays `noop` (which drops every packet) until the
    /// kernel's link watcher activates it, asynchronously, under the RTNL lock: a
    /// scenario started before that loses its first packets (an ARP reply, a SYN-ACK)
    /// and sees a connect or a receive hang for a second. Found by the soak, with the
    /// machine busy.
    fn await_link(&self, host: &Host) -> Result<(), HarnessError> {
        let until = std::time::Instant::now() + LINK_UP_LIMIT;
        loop {
            let out = Command::new("ip")
                .args(["-n", &host.netns, "-o", "link", "show", LINK])
                .output()
                .map_err(HarnessError::NoIp)?;
            let state = String::from_utf8_lossy(&out.stdout);
            if state.contains("LOWER_UP") && !state.contains("qdisc noop") {
                return Ok(());
            }
            if std::time::Instant::now() >= until {
                return Err(HarnessError::LinkDown {
                    host: host.name.clone(),
                    limit: LINK_UP_LIMIT,
                    state: state.trim().to_owned(),
                });
            }
        }
    }

    /// The host a process runs on.
    pub(crate) fn of(&self, host: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == host)
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for host in &self.hosts {
            let _ = ip(&["netns", "delete", &host.netns]);
        }
    }
}

/// Delete the namespaces of runs that were killed (their pid is gone).
pub(crate) fn sweep_stale() {
    let Ok(entries) = std::fs::read_dir(NETNS_DIR) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        if kill(Pid::from_raw(pid), None).is_err() {
            let _ = ip(&["netns", "delete", &name.to_string_lossy()]);
        }
    }
}
