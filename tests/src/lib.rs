//! Integration tests live under `tests/`; this library target is empty.
