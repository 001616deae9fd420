//! The connection test engine (being written).
