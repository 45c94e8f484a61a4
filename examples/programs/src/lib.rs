//! Runnable example programs for `endpoints`; see the `src/bin/` files and `examples/README.md`.
