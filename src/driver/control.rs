//! The control channel between the driver and one actor: a Unix stream socketpair made
//! by the driver, never an object of the kind under test.
//!
//! Frames are a little-endian u32 length followed by the body; the body starts with a
//! tag byte.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::unix::net::UnixStream;

use super::leaks::Holding;
use crate::judge::Outcome;
use crate::scenario::{End, Errno};

/// What the driver tells an actor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Perform your action of this step.
    Run(u32),
    /// Say what you hold, for the leak check, and exit.
    Finish,
    /// Another actor bound the scenario's address `name` to this IPv4 address.
    Learn {
        /// The address name the scenario gave.
        name: String,
        /// The address and the port the kernel picked.
        address: SocketAddrV4,
    },
}

/// What an actor answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The result of a `Run`.
    Outcome(Outcome),
    /// Answer to `Finish`: what the actor holds.
    Finished(Holding),
    /// Sent once after the fork, when the actor is set up and waits for commands.
    Ready,
}

fn frame(body: Vec<u8>) -> Vec<u8> {
    let mut out = (body.len() as u32).to_le_bytes().to_vec();
    out.extend(body);
    out
}

fn read_frame(stream: &mut UnixStream) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    let mut body = vec![0u8; u32::from_le_bytes(len) as usize];
    stream.read_exact(&mut body)?;
    Ok(body)
}

fn bad(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("malformed control frame: {what}"),
    )
}

impl Command {
    /// Send it.
    pub fn send(&self, stream: &mut UnixStream) -> io::Result<()> {
        let body = match self {
            Command::Run(step) => [&[1u8][..], &step.to_le_bytes()].concat(),
            Command::Finish => vec![2],
            Command::Learn { name, address } => {
                [&[3u8][..], &inet_bytes(address), name.as_bytes()].concat()
            }
        };
        stream.write_all(&frame(body))
    }

    /// Receive one.
    pub fn recv(stream: &mut UnixStream) -> io::Result<Command> {
        let body = read_frame(stream)?;
        match body.as_slice() {
            [1, rest @ ..] if rest.len() == 4 => {
                Ok(Command::Run(u32::from_le_bytes(rest.try_into().unwrap())))
            }
            [2] => Ok(Command::Finish),
            [3, rest @ ..] if rest.len() >= 6 => {
                let (address, name) = rest.split_at(6);
                Ok(Command::Learn {
                    name: String::from_utf8(name.to_vec()).map_err(|_| bad("address name"))?,
                    address: inet_from(address)?,
                })
            }
            _ => Err(bad("command")),
        }
    }
}

impl Reply {
    /// Send it.
    pub fn send(&self, stream: &mut UnixStream) -> io::Result<()> {
        let mut body = Vec::new();
        match self {
            Reply::Outcome(Outcome::Bytes(b)) => {
                body.push(1);
                body.extend_from_slice(b);
            }
            Reply::Outcome(Outcome::Count(n)) => {
                body.push(2);
                body.extend_from_slice(&n.to_le_bytes());
            }
            Reply::Outcome(Outcome::Done) => body.push(3),
            Reply::Outcome(Outcome::Error(e)) => {
                body.push(4);
                body.extend_from_slice(&e.0.to_le_bytes());
            }
            Reply::Outcome(Outcome::Unsupported(why)) => {
                body.push(5);
                body.extend_from_slice(why.as_bytes());
            }
            Reply::Finished(holding) => {
                body.push(6);
                holding_bytes(holding, &mut body);
            }
            Reply::Ready => body.push(7),
            Reply::Outcome(Outcome::NoSuchEnd(end)) => body.extend([8, *end as u8]),
            Reply::Outcome(Outcome::NoSuchHandle(name)) => {
                body.push(9);
                body.extend_from_slice(name.as_bytes());
            }
            Reply::Outcome(Outcome::Message {
                data,
                truncated,
                from,
            }) => {
                body.extend([10, u8::from(*truncated)]);
                body.extend_from_slice(&(from.len() as u32).to_le_bytes());
                body.extend_from_slice(from.as_bytes());
                body.extend_from_slice(data);
            }
            Reply::Outcome(Outcome::Bound(address)) => {
                body.push(11);
                body.extend_from_slice(&inet_bytes(address));
            }
        }
        stream.write_all(&frame(body))
    }

    /// Receive one.
    pub fn recv(stream: &mut UnixStream) -> io::Result<Reply> {
        let body = read_frame(stream)?;
        let (tag, rest) = body.split_first().ok_or_else(|| bad("empty"))?;
        let text = || String::from_utf8_lossy(rest).into_owned();
        Ok(match tag {
            1 => Reply::Outcome(Outcome::Bytes(rest.to_vec())),
            2 => Reply::Outcome(Outcome::Count(u64::from_le_bytes(
                rest.try_into().map_err(|_| bad("count"))?,
            ))),
            3 => Reply::Outcome(Outcome::Done),
            4 => Reply::Outcome(Outcome::Error(Errno(i32::from_le_bytes(
                rest.try_into().map_err(|_| bad("errno"))?,
            )))),
            5 => Reply::Outcome(Outcome::Unsupported(text())),
            6 => Reply::Finished(holding_from(rest)?),
            7 => Reply::Ready,
            8 => Reply::Outcome(Outcome::NoSuchEnd(match rest {
                [0] => End::Read,
                [1] => End::Write,
                [2] => End::Object,
                _ => return Err(bad("end")),
            })),
            9 => Reply::Outcome(Outcome::NoSuchHandle(text())),
            10 => Reply::Outcome(message(rest)?),
            11 => Reply::Outcome(Outcome::Bound(inet_from(rest)?)),
            _ => return Err(bad("reply tag")),
        })
    }
}

/// An IPv4 address and port in 6 bytes: the address in network order, the port
/// little-endian.
fn inet_bytes(address: &SocketAddrV4) -> [u8; 6] {
    let [a, b, c, d] = address.ip().octets();
    let [p, q] = address.port().to_le_bytes();
    [a, b, c, d, p, q]
}

fn inet_from(bytes: &[u8]) -> io::Result<SocketAddrV4> {
    let [a, b, c, d, p, q] = bytes else {
        return Err(bad("address"));
    };
    Ok(SocketAddrV4::new(
        Ipv4Addr::new(*a, *b, *c, *d),
        u16::from_le_bytes([*p, *q]),
    ))
}

/// A `Finished` reply's body after its tag: the handles (u32), whether descriptors
/// follow and their count (u8, u32) and numbers (i32 each), whether the listing worked
/// (u8), then its lines or why not.
fn holding_bytes(holding: &Holding, body: &mut Vec<u8>) {
    body.extend_from_slice(&holding.handles.to_le_bytes());
    let fds = holding.fds.as_deref();
    body.push(u8::from(fds.is_some()));
    body.extend_from_slice(&(fds.map_or(0, <[_]>::len) as u32).to_le_bytes());
    for fd in fds.unwrap_or_default() {
        body.extend_from_slice(&fd.to_le_bytes());
    }
    let (listed, text) = match &holding.listed {
        Ok(lines) => (1, lines.join("\n")),
        Err(why) => (0, why.clone()),
    };
    body.push(listed);
    body.extend_from_slice(text.as_bytes());
}

fn holding_from(rest: &[u8]) -> io::Result<Holding> {
    let [a, b, c, d, exposed, e, f, g, h, rest @ ..] = rest else {
        return Err(bad("holding"));
    };
    let handles = u32::from_le_bytes([*a, *b, *c, *d]);
    let count = u32::from_le_bytes([*e, *f, *g, *h]) as usize;
    if rest.len() < count * 4 + 1 {
        return Err(bad("holding descriptors"));
    }
    let (numbers, rest) = rest.split_at(count * 4);
    let fds = (*exposed != 0).then(|| {
        numbers
            .chunks_exact(4)
            .map(|n| i32::from_le_bytes([n[0], n[1], n[2], n[3]]))
            .collect()
    });
    let text = String::from_utf8_lossy(&rest[1..]).into_owned();
    let listed = match rest[0] {
        0 => Err(text),
        _ if text.is_empty() => Ok(Vec::new()),
        _ => Ok(text.lines().map(str::to_owned).collect()),
    };
    Ok(Holding {
        handles,
        fds,
        listed,
    })
}

/// The body of a `Message` reply after its tag: truncated, sender length, sender, data.
fn message(rest: &[u8]) -> io::Result<Outcome> {
    let [truncated, a, b, c, d, rest @ ..] = rest else {
        return Err(bad("message"));
    };
    let from_len = u32::from_le_bytes([*a, *b, *c, *d]) as usize;
    if rest.len() < from_len {
        return Err(bad("message sender"));
    }
    let (from, data) = rest.split_at(from_len);
    Ok(Outcome::Message {
        data: data.to_vec(),
        truncated: *truncated != 0,
        from: String::from_utf8(from.to_vec()).map_err(|_| bad("message sender"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        let commands = [
            Command::Run(7),
            Command::Finish,
            Command::Learn {
                name: "srv".into(),
                address: SocketAddrV4::new(Ipv4Addr::new(169, 254, 201, 2), 40123),
            },
        ];
        for c in &commands {
            c.send(&mut a).unwrap();
            assert_eq!(&Command::recv(&mut b).unwrap(), c);
        }
        let replies = [
            Reply::Outcome(Outcome::Bytes(b"hello".to_vec())),
            Reply::Outcome(Outcome::Bytes(Vec::new())),
            Reply::Outcome(Outcome::Count(1 << 40)),
            Reply::Outcome(Outcome::Done),
            Reply::Outcome(Outcome::Error(Errno(libc::EPIPE))),
            Reply::Outcome(Outcome::Unsupported("no fd".into())),
            Reply::Finished(Holding {
                handles: 2,
                fds: Some(vec![5, 9]),
                listed: Ok(vec!["fd 7 -> pipe:[1]".into(), "fd 8 -> /tmp/x".into()]),
            }),
            Reply::Finished(Holding {
                handles: 1,
                fds: Some(Vec::new()),
                listed: Ok(Vec::new()),
            }),
            Reply::Finished(Holding {
                handles: 0,
                fds: None,
                listed: Err("its handles expose no descriptor".into()),
            }),
            Reply::Ready,
            Reply::Outcome(Outcome::NoSuchEnd(End::Write)),
            Reply::Outcome(Outcome::NoSuchHandle("conn".into())),
            Reply::Outcome(Outcome::Message {
                data: b"ping".to_vec(),
                truncated: true,
                from: "cli".into(),
            }),
            Reply::Outcome(Outcome::Message {
                data: Vec::new(),
                truncated: false,
                from: String::new(),
            }),
            Reply::Outcome(Outcome::Bound(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 5555))),
        ];
        for r in &replies {
            r.send(&mut b).unwrap();
            assert_eq!(&Reply::recv(&mut a).unwrap(), r);
        }
    }
}
