//! Test runs and connections (being written).
