//! Errno values and signal names, printed and parsed by their symbolic names.

use std::fmt;

/// An errno value. Printed by its symbolic name; hosts know errnos we have no name for,
/// and those print as `errno N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

macro_rules! errno_names {
    ($($name:ident),* $(,)?) => {
        const ERRNO_NAMES: &[(&str, i32)] = &[$((stringify!($name), libc::$name)),*];
    };
}

// The errnos IPC calls document; EAGAIN comes before EWOULDBLOCK so it wins printing.
errno_names!(
    EAGAIN,
    EWOULDBLOCK,
    EPIPE,
    ENXIO,
    EEXIST,
    ENOENT,
    EBADF,
    ESPIPE,
    EINVAL,
    EINTR,
    EBUSY,
    EPERM,
    EACCES,
    EISDIR,
    ENOTDIR,
    ENAMETOOLONG,
    EMFILE,
    ENFILE,
    ENOSPC,
    EFAULT,
    EIO,
    ENOTTY,
    ECONNREFUSED,
    ECONNRESET,
    ENOTCONN,
    EISCONN,
    EMSGSIZE,
    ENOBUFS,
    EADDRINUSE,
    EADDRNOTAVAIL,
    EAFNOSUPPORT,
    EPROTONOSUPPORT,
    EOPNOTSUPP,
    EINPROGRESS,
    EALREADY,
    ETIMEDOUT,
    ENOMEM,
    ENOSYS,
    EDEADLK,
    EROFS,
    ELOOP,
    ENODEV,
    ETXTBSY,
    EFBIG,
    EDESTADDRREQ,
    EIDRM,
    EBADMSG,
    ERANGE,
    EOWNERDEAD,
    ENOTRECOVERABLE,
);

impl Errno {
    /// Not an errno of any system: what an implementation answers for a call it has no
    /// way to make (the crate has no `setsockopt`, a one-way channel has no `send` on its
    /// receiving end), and what the traits' optional methods answer when not written.
    /// The driver turns it into a skip of the scenario that needs the call, naming the
    /// call: a capability the crate lacks is not a failure. A call the crate has but that
    /// fails with the system's EOPNOTSUPP is a failure like any other errno.
    pub const UNSUPPORTED: Errno = Errno(-1);

    /// The errno named `name` (`"EAGAIN"`), if this platform has it.
    pub fn from_name(name: &str) -> Option<Errno> {
        ERRNO_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| Errno(v))
    }

    /// Its symbolic name, when we know it.
    pub fn name(self) -> Option<&'static str> {
        ERRNO_NAMES
            .iter()
            .find(|(_, v)| *v == self.0)
            .map(|&(n, _)| n)
    }

    /// The errno an error of `kind` stands for, for a crate whose errors carry none
    /// (`io::Error::new(kind, …)`, or an error type of its own that says what happened):
    /// the one POSIX gives that condition, `UNSUPPORTED` for a call the crate does not
    /// have, and EIO where no errno says it (`UnexpectedEof`, `Other`, …), so that the
    /// step fails rather than passes.
    pub fn of_kind(kind: std::io::ErrorKind) -> Errno {
        use std::io::ErrorKind as K;
        Errno(match kind {
            K::WouldBlock => libc::EAGAIN,
            K::BrokenPipe => libc::EPIPE,
            K::NotFound => libc::ENOENT,
            K::AlreadyExists => libc::EEXIST,
            K::PermissionDenied => libc::EACCES,
            K::Interrupted => libc::EINTR,
            K::ConnectionRefused => libc::ECONNREFUSED,
            K::ConnectionReset => libc::ECONNRESET,
            K::NotConnected => libc::ENOTCONN,
            K::AddrInUse => libc::EADDRINUSE,
            K::AddrNotAvailable => libc::EADDRNOTAVAIL,
            K::InvalidInput => libc::EINVAL,
            K::TimedOut => libc::ETIMEDOUT,
            K::Unsupported => return Errno::UNSUPPORTED,
            _ => libc::EIO,
        })
    }

    /// Every name the parser accepts, for error messages.
    pub fn known_names() -> impl Iterator<Item = &'static str> {
        ERRNO_NAMES.iter().map(|(n, _)| *n)
    }
}

impl From<nix::errno::Errno> for Errno {
    fn from(e: nix::errno::Errno) -> Self {
        Errno(e as i32)
    }
}

/// An I/O error's errno; an error that carries none (a crate's own error turned into
/// `io::Error`) gets the errno its kind stands for ([`Errno::of_kind`]), else EIO, so it
/// still fails the step rather than passing.
impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Self {
        e.raw_os_error()
            .map_or_else(|| Errno::of_kind(e.kind()), Errno)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Errno::UNSUPPORTED {
            return f.write_str("unsupported (no such call in the implementation)");
        }
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "errno {}", self.0),
        }
    }
}

/// A signal, named as in `<signal.h>` (`SIGPIPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignalName(pub nix::sys::signal::Signal);

impl SignalName {
    /// The signal named `name`, if this platform has it.
    pub fn from_name(name: &str) -> Option<SignalName> {
        name.parse().ok().map(SignalName)
    }

    /// The signal of a raw number, if it is one.
    pub fn from_raw(signo: i32) -> Option<SignalName> {
        nix::sys::signal::Signal::try_from(signo)
            .ok()
            .map(SignalName)
    }
}

impl fmt::Display for SignalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(std::io::ErrorKind::WouldBlock, Errno(libc::EAGAIN))]
    #[case(std::io::ErrorKind::BrokenPipe, Errno(libc::EPIPE))]
    #[case(std::io::ErrorKind::Unsupported, Errno::UNSUPPORTED)]
    #[case(std::io::ErrorKind::UnexpectedEof, Errno(libc::EIO))]
    fn an_error_without_errno_gets_its_kinds(
        #[case] kind: std::io::ErrorKind,
        #[case] errno: Errno,
    ) {
        let e = std::io::Error::new(kind, "a crate's own error");
        assert_eq!(Errno::from(e), errno);
        // An errno the error carries wins over its kind.
        let raw = std::io::Error::from_raw_os_error(libc::ENOSPC);
        assert_eq!(Errno::from(raw), Errno(libc::ENOSPC));
    }

    #[rstest]
    #[case("EAGAIN", libc::EAGAIN)]
    #[case("EPIPE", libc::EPIPE)]
    #[case("ENXIO", libc::ENXIO)]
    fn names_round_trip(#[case] name: &str, #[case] value: i32) {
        let e = Errno::from_name(name).unwrap();
        assert_eq!(e, Errno(value));
        assert_eq!(e.to_string(), name);
    }

    #[test]
    fn unknown_errno_prints_its_number() {
        assert_eq!(Errno(9999).to_string(), "errno 9999");
        assert_eq!(Errno::from_name("EPIPEX"), None);
    }

    #[test]
    fn signals_parse_by_name() {
        assert_eq!(
            SignalName::from_name("SIGPIPE").unwrap().to_string(),
            "SIGPIPE"
        );
        assert!(SignalName::from_name("PIPE").is_none());
    }
}
