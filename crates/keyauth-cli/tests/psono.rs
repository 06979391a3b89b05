//! placeholder
#![allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../../psono-client/tests/server/mod.rs"]
mod server;
#[test]
fn placeholder() {}
