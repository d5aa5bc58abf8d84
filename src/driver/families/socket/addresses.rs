//! The concrete addresses behind a scenario's address names, in one actor.
//!
//! A path name lives in the run's private directory; an abstract name (Linux) is the
//! directory's own name and the address name, so it is unique to the run as the
//! directory is; an IPv4 address is the actor's own address (loopback, or its host's on
//! the link between network namespaces) with the port the kernel picked when some actor
//! bound it, which that actor learns from its `bind` and the others from the driver.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;

use crate::mechanism::SocketAddress;
use crate::scenario::{Address, SocketDomain};

/// Why an address name has no concrete address: the action cannot run (an outcome the
/// executor reports as "could not run", never a harness error).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(super) enum Unresolved {
    /// An `AF_UNIX` path, and the run made no private directory for it.
    #[error("an AF_UNIX scenario has a private directory")]
    NoPrivateDir,
    /// An IPv4 address name that no process has bound, so it has no port.
    #[error(
        "no process has bound `{0}` yet, so it has no port; bind it first (and close it, for a \
         port nobody listens on)"
    )]
    NotBound(String),
}

/// One actor's view of the scenario's addresses.
pub(super) struct AddressBook {
    /// The run's private directory (the `AF_UNIX` mechanisms).
    dir: Option<PathBuf>,
    /// This actor's own IPv4 address, which its `bind`s use.
    own_ip: Ipv4Addr,
    /// The IPv4 addresses bound so far, by name.
    bound: BTreeMap<String, SocketAddrV4>,
}

impl AddressBook {
    pub(super) fn new(dir: Option<PathBuf>, own_ip: Ipv4Addr) -> Self {
        AddressBook {
            dir,
            own_ip,
            bound: BTreeMap::new(),
        }
    }

    /// The prefix of this run's abstract names.
    fn abstract_prefix(&self) -> Vec<u8> {
        let dir = self.dir.as_deref().and_then(|d| d.file_name());
        let mut prefix = dir.map_or_else(Vec::new, |d| d.as_encoded_bytes().to_vec());
        prefix.push(b'.');
        prefix
    }

    /// The concrete address of `address` in `domain`. An IPv4 address nobody has bound
    /// yet is this actor's own with port 0 for a `bind` (the kernel picks the port); for
    /// anything else it is an error, as the scenario names a port that does not exist.
    pub(super) fn resolve(
        &self,
        address: &Address,
        domain: SocketDomain,
        binding: bool,
    ) -> Result<SocketAddress, Unresolved> {
        Ok(match domain {
            SocketDomain::Unix if address.abstract_name => {
                let mut name = self.abstract_prefix();
                name.extend_from_slice(address.name.as_bytes());
                SocketAddress::Abstract(name)
            }
            SocketDomain::Unix => SocketAddress::Path(
                self.dir
                    .as_ref()
                    .ok_or(Unresolved::NoPrivateDir)?
                    .join(&address.name),
            ),
            SocketDomain::Inet => match self.bound.get(&address.name) {
                Some(bound) => SocketAddress::Inet(*bound),
                None if binding => SocketAddress::Inet(SocketAddrV4::new(self.own_ip, 0)),
                None => return Err(Unresolved::NotBound(address.name.clone())),
            },
        })
    }

    /// An IPv4 address got its port.
    pub(super) fn learn(&mut self, name: &str, address: SocketAddrV4) {
        self.bound.insert(name.to_owned(), address);
    }

    /// The scenario's name for a concrete address; empty for none (an unnamed socket),
    /// and the address itself for one the scenario never named.
    pub(super) fn name_of(&self, address: Option<&SocketAddress>) -> String {
        match address {
            None => String::new(),
            Some(SocketAddress::Path(path)) => match (path.parent(), &self.dir) {
                (Some(parent), Some(dir)) if parent == dir => path
                    .file_name()
                    .map(OsStr::to_string_lossy)
                    .unwrap_or_default()
                    .into_owned(),
                _ => path.display().to_string(),
            },
            Some(SocketAddress::Abstract(name)) => {
                let prefix = self.abstract_prefix();
                match name.strip_prefix(prefix.as_slice()) {
                    Some(own) => format!("@{}", String::from_utf8_lossy(own)),
                    None => format!("@{}", String::from_utf8_lossy(name)),
                }
            }
            Some(SocketAddress::Inet(address)) => self
                .bound
                .iter()
                .find(|(_, bound)| *bound == address)
                .map_or_else(|| address.to_string(), |(name, _)| name.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(name: &str, abstract_name: bool) -> Address {
        Address {
            name: name.to_owned(),
            abstract_name,
        }
    }

    #[test]
    fn names_resolve_inside_the_run_and_back() {
        let mut book = AddressBook::new(Some(PathBuf::from("/tmp/ipcc.1.2")), Ipv4Addr::LOCALHOST);
        let path = book
            .resolve(&address("srv", false), SocketDomain::Unix, true)
            .unwrap();
        assert_eq!(path, SocketAddress::Path("/tmp/ipcc.1.2/srv".into()));
        assert_eq!(book.name_of(Some(&path)), "srv");
        let hidden = book
            .resolve(&address("srv", true), SocketDomain::Unix, true)
            .unwrap();
        assert_eq!(hidden, SocketAddress::Abstract(b"ipcc.1.2.srv".to_vec()));
        assert_eq!(book.name_of(Some(&hidden)), "@srv");
        assert_eq!(book.name_of(None), "");

        let web = address("web", false);
        let local = |port| SocketAddress::Inet(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
        assert_eq!(book.resolve(&web, SocketDomain::Inet, true), Ok(local(0)));
        assert!(book.resolve(&web, SocketDomain::Inet, false).is_err());
        let far = SocketAddrV4::new(Ipv4Addr::new(169, 254, 201, 2), 40000);
        book.learn("web", far);
        assert_eq!(
            book.resolve(&web, SocketDomain::Inet, false),
            Ok(SocketAddress::Inet(far))
        );
        assert_eq!(book.name_of(Some(&SocketAddress::Inet(far))), "web");
        assert_eq!(book.name_of(Some(&local(1))), "127.0.0.1:1");
    }
}
