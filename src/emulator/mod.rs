//! A faithful emulator of the Databricks account and workspace REST APIs.
