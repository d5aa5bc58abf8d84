//! The raw serde shapes of the socket actions, and their lowering to [`SocketCall`].

use serde::Deserialize;

use crate::scenario::model::*;

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
