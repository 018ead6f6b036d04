//! Logging to a file under the data dir.
