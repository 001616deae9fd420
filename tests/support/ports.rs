//! Free loopback ports for redirect URIs, never the same one twice in a test process.
//!
//! A redirect URI's port must be known before the flow's listener binds it, so the port is found
//! by binding port 0 and letting go; two tests running in parallel could then be handed the same
//! one by the kernel, and one test's callback would reach the other's listener. Each port is
//! handed out once per process.
#![allow(dead_code)]

use std::collections::HashSet;
use std::sync::Mutex;

pub fn free_port() -> u16 {
    static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let handed_out = handed_out.get_or_insert_with(HashSet::new);
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if handed_out.insert(port) {
            return port;
        }
    }
}
