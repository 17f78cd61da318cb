//! Examples live under `examples/`; this library target is empty.
