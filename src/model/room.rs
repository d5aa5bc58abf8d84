//! How much a socket is known to hold. POSIX leaves a buffer's size to the
//! implementation (SO_SNDBUF and SO_RCVBUF are requests), and a kernel counts each
//! message it queues at more than its bytes; so the models claim a send goes, or a
//! socket polls writable, only while what is queued would fit at the most each message
//! could cost, in the buffers the run read back from its sockets. Past that they leave
//! the call to the kernel.
//!
//! # References
//! - POSIX XSH `setsockopt()` (SO_SNDBUF, SO_RCVBUF), `send()` (a message that does not
//!   fit waits, or fails with EAGAIN), `poll()` (POLLOUT: a write would not block).
//! - Linux `net/core/sock.c` `sock_alloc_send_pskb` (a send is admitted while the
//!   sender's `sk_wmem_alloc` is below `sk_sndbuf`), `net/ipv4/udp.c`
//!   `__udp_enqueue_schedule_skb` (a datagram is admitted while `sk_rmem_alloc` is not
//!   above `sk_rcvbuf`), `net/unix/af_unix.c` `unix_writable` (writable while a quarter of
//!   `sk_sndbuf` holds what the socket sent).

use crate::platform::PlatformProfile;

/// What a message costs a buffer beyond twice its bytes.
const MESSAGE_OVERHEAD: u64 = 1024;

/// The most a message of `len` bytes costs a buffer: Linux counts an `sk_buff`'s
/// `truesize`, its data allocation (bytes, headroom and the 320-byte shared info)
/// rounded up to a power of two, plus the 256-byte `sk_buff` itself. Read back with
/// SO_SNDBUF 4096: 768 for 1 byte, 1280 for 255, 2304 for 1 KiB, each below
/// `2 * len + 1024`.
fn cost(len: usize) -> u64 {
    2 * len as u64 + MESSAGE_OVERHEAD
}

/// The room of the sockets under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Room {
    /// The smaller of SO_SNDBUF and SO_RCVBUF as read back, where the run read them;
    /// `None` where it did not: the models' own bounds are then below every platform's
    /// defaults.
    buffer: Option<u64>,
}

impl Room {
    /// The room of the sockets `profile` describes.
    pub(super) fn of(profile: &PlatformProfile) -> Room {
        Room {
            buffer: profile.socket_buffers.map(|b| b.send.min(b.receive)),
        }
    }

    /// Whether messages of these lengths, queued together, surely fit in one buffer:
    /// each is admitted while what came before it is below the buffer.
    pub(super) fn holds(&self, lens: impl IntoIterator<Item = usize>) -> bool {
        self.within(lens, 1)
    }

    /// Whether a socket whose sent messages still queued have these lengths surely
    /// polls writable (a quarter of its buffer holds them).
    pub(super) fn writable(&self, lens: impl IntoIterator<Item = usize>) -> bool {
        self.within(lens, 4)
    }

    /// Whether the cost of `lens` is within a `part`th of the buffer.
    fn within(&self, lens: impl IntoIterator<Item = usize>, part: u64) -> bool {
        self.buffer
            .is_none_or(|b| lens.into_iter().map(cost).sum::<u64>() <= b / part)
    }

    /// The buffer, for an explanation.
    pub(super) fn describe(&self) -> String {
        match self.buffer {
            Some(b) => format!("the {b} bytes the run's socket buffers read back as"),
            None => "the platform's default socket buffers".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::SocketBuffers;

    fn room(send: u64, receive: u64) -> Room {
        Room::of(PlatformProfile::LINUX.with_socket_buffers(SocketBuffers { send, receive }, false))
    }

    #[test]
    fn small_buffers_hold_what_linux_admits_at_the_least() {
        // With SO_SNDBUF 4096 (8192 read back) Linux admits 7 sends of 255 bytes on a
        // Unix stream, 4 of 1 KiB: the model claims fewer.
        let small = room(8192, 8192);
        assert!(small.holds([255; 5]));
        assert!(!small.holds([255; 6]));
        assert!(small.holds([1024; 2]));
        assert!(!small.holds([1024; 3]));
        assert!(small.writable([255]));
        assert!(!small.writable([255, 255]));
    }

    #[test]
    fn the_smaller_buffer_decides_and_unread_buffers_do_not_limit() {
        assert_eq!(room(8192, 212992), room(212992, 8192));
        assert!(Room::of(&PlatformProfile::LINUX).holds([255; 1000]));
    }
}
