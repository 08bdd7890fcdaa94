//! What a node reads of another server from its configuration, and what it
//! reads of the certificate a server presents: `Target::parse` on any URL
//! and pin never panics, and accepts plain HTTP only on loopback and HTTPS
//! only with a pin; `tls::spki_sha256` on any bytes never panics.
#![no_main]

use detente_node::client::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = detente_node::tls::spki_sha256(data);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (url, pin) = match text.split_once('\n') {
        Some((url, pin)) => (url, Some(pin)),
        None => (text, None),
    };
    if let Ok(target) = Target::parse(url, pin) {
        let shown = target.url();
        assert_eq!(shown.starts_with("https://"), pin.is_some(), "{url:?} read as {shown}");
        if pin.is_none() {
            let address: std::net::SocketAddr = target.authority.parse().expect("plain HTTP names an address");
            assert!(address.ip().is_loopback(), "{url:?} is plain HTTP off loopback");
        }
    }
});
