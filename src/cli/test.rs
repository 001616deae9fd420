//! `authdeck test` (being written).
