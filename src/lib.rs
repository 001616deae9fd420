//! authdeck: configure and live-test the API-Key, Basic and OAuth 2.0 authorizations of the apps you
//! build connectors for, from the terminal.
#![deny(clippy::unwrap_used)]

pub mod app;
pub mod cli;
pub mod flow;
pub mod keymap;
pub mod model;
pub mod platform;
pub mod signals;
pub mod store;
pub mod tui;
pub mod ui;
