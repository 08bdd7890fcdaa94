//! A party's node on the network: the operator API over the party's record
//! ([`party`]) and the C2SP tlog-witness protocol ([`witness`]), under the
//! limits every server here shares ([`http`]); the notification exchange
//! between nodes (outbox and inbox) comes next. Every server here is a library function,
//! `run(config, listener, shutdown)`, so the binary only binds a socket and
//! says when to stop, and tests run servers in-process on loopback.
//!
//! The node reads no clock of its own: a [`Clock`] is passed in, so a test
//! can fix the time a cosignature carries.

use std::sync::Arc;

pub mod client;
pub mod http;
pub mod party;
pub mod tls;
pub mod witness;

/// Seconds since the Unix epoch, as the caller reads them.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;
