//! The raw serde shapes of the socket actions, and their lowering to [`SocketCall`].

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::scenario::model::*;

/// What `dup` copies: a pipe or FIFO end by name (`{ dup = "read" }`), or a socket
/// handle with the copy's name (`{ dup = { on = "conn", as = "copy" } }`). One key, two
/// shapes told apart by the value's type (a string or a table), so an error still
/// points at the value.
pub(super) enum RawDup {
    End(End),
    Handle(RawOnAs),
}

impl<'de> Deserialize<'de> for RawDup {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct DupVisitor;
        impl<'de> Visitor<'de> for DupVisitor {
            type Value = RawDup;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the end to copy, \"read\" or \"write\", or a socket handle and its copy's name, { on = \"conn\", as = \"copy\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDup, E> {
                End::deserialize(de::value::StrDeserializer::<E>::new(v))
                    .map(RawDup::End)
                    .map_err(|_| {
                        E::custom(format!(
                            "unknown end `{v}`, expected `read` or `write`; a socket handle is copied with {{ dup = {{ on = \"{v}\", as = \"NAME\" }} }}"
                        ))
                    })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDup, A::Error> {
                RawOnAs::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawDup::Handle)
            }
        }
        d.deserialize_any(DupVisitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSocket {
    #[serde(rename = "as")]
    name: Handle,
    #[serde(default)]
    flags: Vec<SocketFlag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPipe {
    read: Handle,
    write: Handle,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOnAddress {
    on: Handle,
    to: Address,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawListen {
    on: Handle,
    backlog: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOnAs {
    on: Handle,
    #[serde(rename = "as")]
    name: Handle,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAccept {
    on: Handle,
    #[serde(rename = "as")]
    name: Handle,
    #[serde(default)]
    flags: Vec<SocketFlag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSend {
    on: Handle,
    data: Payload,
    #[serde(default)]
    to: Option<Address>,
    #[serde(default)]
    flags: Vec<MsgFlag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRecv {
    on: Handle,
    len: Size,
    #[serde(default)]
    flags: Vec<MsgFlag>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawShutdown {
    on: Handle,
    how: ShutdownHow,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSendFd {
    on: Handle,
    fd: Handle,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSetOption {
    on: Handle,
    option: SockOpt,
    value: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGetOption {
    on: Handle,
    option: SockOpt,
}

impl RawSocket {
    pub(super) fn lower(self) -> SocketCall {
        SocketCall::Socket {
            name: self.name,
            flags: self.flags,
        }
    }
}

impl RawPipe {
    pub(super) fn lower(self) -> SocketCall {
        SocketCall::Pipe {
            read: self.read,
            write: self.write,
        }
    }
}

impl RawOnAddress {
    pub(super) fn bind(self) -> SocketCall {
        SocketCall::Bind {
            on: self.on,
            to: self.to,
        }
    }

    pub(super) fn connect(self) -> SocketCall {
        SocketCall::Connect {
            on: self.on,
            to: self.to,
        }
    }
}

impl RawListen {
    pub(super) fn lower(self) -> SocketCall {
        SocketCall::Listen {
            on: self.on,
            backlog: self.backlog,
        }
    }
}

impl RawAccept {
    pub(super) fn lower(self) -> SocketCall {
        SocketCall::Accept {
            on: self.on,
            name: self.name,
            flags: self.flags,
        }
    }
}

impl RawOnAs {
    pub(super) fn recv_fd(self) -> SocketCall {
        SocketCall::RecvFd {
            on: self.on,
            name: self.name,
        }
    }

    pub(super) fn dup(self) -> SocketCall {
        SocketCall::Dup {
            on: self.on,
            name: self.name,
        }
    }
}

impl RawSend {
    pub(super) fn lower(self) -> SocketCall {
        SocketCall::Send {
            on: self.on,
            data: self.data,
            to: self.to,
            flags: self.flags,
        }
    }
}

impl RawRecv {
    pub(super) fn lower(self) -> SocketCall {
        SocketCall::Recv {
            on: self.on,
            len: self.len,
            flags: self.flags,
        }
    }
}

impl RawShutdown {
    pub(super) fn lower(self) -> SocketCall {
        SocketCall::Shutdown {
            on: self.on,
            how: self.how,
        }
    }
}

impl RawSendFd {
    pub(super) fn lower(self) -> SocketCall {
        SocketCall::SendFd {
            on: self.on,
            fd: self.fd,
        }
    }
}

impl RawSetOption {
    pub(super) fn lower(self) -> SocketCall {
        SocketCall::SetOption {
            on: self.on,
            option: self.option,
            value: self.value,
        }
    }
}

impl RawGetOption {
    pub(super) fn lower(self) -> SocketCall {
        SocketCall::GetOption {
            on: self.on,
            option: self.option,
        }
    }
}
